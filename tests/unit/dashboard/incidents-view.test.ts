import { describe, expect, it } from '@jest/globals';
import { incidentsView } from '../../../scripts/dashboard/incidents-view';
import type { IncidentRow } from '../../../scripts/lib/readers/incidents';

const DAY = '2025-03-15';

const row = (overrides: Partial<IncidentRow> = {}): IncidentRow => ({
  day: DAY,
  check: 'session_runaway',
  subject: 'sess-1',
  state: 'open',
  severity: 'critical',
  opened_at: `${DAY}T14:02:00.000Z`,
  last_event_at: `${DAY}T14:09:00.000Z`,
  messages: 2,
  last_message: `update at ${DAY}T14:05:00.000Z`,
  calls: 41,
  sessions: 1,
  spend_nano: 1_234_567_890_123,
  largest: 38,
  pending_calls: 3,
  ...overrides,
});

describe('incidentsView', () => {
  it("shows each of the day's incidents in the reader's order, its spend to the cent", () => {
    // Prepare
    const rows = [
      row(),
      row({ check: 'unpriced_model', subject: 'acme.x', state: 'resolved', spend_nano: 5 }),
    ];

    // Act
    const view = incidentsView(rows, DAY);

    // Assess
    expect(view.incidents.map((i) => [i.check, i.subject, i.state, i.spend.usd])).toEqual([
      ['session_runaway', 'sess-1', 'open', '$1,234.56'],
      ['unpriced_model', 'acme.x', 'resolved', '$0.00'],
    ]);
    expect(view.incidents[0]).toMatchObject({
      messages: 2,
      calls: 41,
      sessions: 1,
      largest: 38,
      pending_calls: 3,
    });
    expect(view.incidents[0]).not.toHaveProperty('spend_nano');
    expect(view.open).toBe(1);
  });

  it('leaves out other days and says when the day has none', () => {
    const view = incidentsView([row({ day: '2025-03-14' })], DAY);

    expect(view.incidents).toEqual([]);
    expect(view.empty_note).toBe('no incidents on this day');
  });
});
