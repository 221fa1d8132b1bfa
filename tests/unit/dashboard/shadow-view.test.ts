import { describe, expect, it } from '@jest/globals';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import type { Mode } from '../../../functions/core/breaker/modes';
import { shadowView } from '../../../scripts/dashboard/shadow-view';

const DAY = '2025-03-15';

const entry = (
  kind: LedgerEntry['kind'],
  from: Mode,
  to: Mode,
  eventTime: string,
  day = DAY,
): LedgerEntry => ({
  entry_id: `${kind}-${eventTime}`,
  kind,
  recorded_at: '2026-12-04T10:00:00.000Z',
  execution: 'x',
  actor: 'a',
  reason: 'r',
  from_mode: from,
  to_mode: to,
  trigger: {
    id: 't',
    check: 'budget_ladder',
    metric: 'm',
    value: 96.9,
    threshold: 95,
    event_time: eventTime,
    day,
  },
});

describe('shadowView', () => {
  it("puts each policy's would-be transitions of the day beside the live ones, in event time", () => {
    // Prepare
    const live = [
      entry('transition', 'normal', 'cost_saving', `${DAY}T14:02:59.000Z`),
      { ...entry('notify_failed', 'cost_saving', 'cost_saving', `${DAY}T14:03:00.000Z`), trigger: undefined },
    ];
    const shadows = [
      {
        name: 'late',
        entries: [
          entry('shadow', 'normal', 'cache_aggressive', `${DAY}T15:30:24.000Z`),
          entry('shadow', 'cache_aggressive', 'emergency', `${DAY}T21:00:00.000Z`),
          entry('shadow', 'normal', 'cap', '2025-03-14T23:00:00.000Z', '2025-03-14'),
        ],
      },
      { name: 'quiet', entries: [] },
    ];

    // Act
    const view = shadowView(DAY, live, shadows);

    // Assess
    expect(
      view.rows.map((r) => [r.event_time.slice(11, 16), r.policy, r.from_mode, r.to_mode, r.value]),
    ).toEqual([
      ['14:02', 'live', 'normal', 'cost_saving', '96.9/95'],
      ['15:30', 'shadow:late', 'normal', 'cache_aggressive', '96.9/95'],
      ['21:00', 'shadow:late', 'cache_aggressive', 'emergency', '96.9/95'],
    ]);
    expect(view.live).toEqual({
      entries: 1,
      mode_changes: 1,
      first_change_at: `${DAY}T14:02:59.000Z`,
      highest_mode: 'cost_saving',
    });
    expect(view.policies).toEqual([
      {
        name: 'late',
        entries: 2,
        mode_changes: 2,
        first_change_at: `${DAY}T15:30:24.000Z`,
        highest_mode: 'emergency',
      },
      { name: 'quiet', entries: 0, mode_changes: 0, first_change_at: null, highest_mode: 'normal' },
    ]);
  });

  it('has no policies when no shadow ever wrote an entry', () => {
    const view = shadowView(DAY, [], []);

    expect(view.policies).toEqual([]);
    expect(view.empty_note).toBe('no shadow policies');
  });
});
