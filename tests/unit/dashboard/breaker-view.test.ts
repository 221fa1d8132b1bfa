import { describe, expect, it } from '@jest/globals';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import type { Mode } from '../../../functions/core/breaker/modes';
import { breakerView } from '../../../scripts/dashboard/breaker-view';

const DAY = '2025-03-15';
const TODAY = '2026-12-04';

let sequence = 0;
const entry = (from: Mode, to: Mode, overrides: Partial<LedgerEntry> = {}): LedgerEntry => ({
  entry_id: `e${++sequence}`,
  kind: 'transition',
  recorded_at: '2026-12-04T10:00:00.000Z',
  execution: 'x',
  actor: 'breaker',
  reason: 'r',
  from_mode: from,
  to_mode: to,
  ...overrides,
});

const ladder = (day: string, at: string, value: number, threshold: number) => ({
  trigger: {
    id: 'ladder',
    check: 'budget_ladder' as const,
    metric: 'daily_spend_pct',
    value,
    threshold,
    event_time: at,
    day,
  },
});

describe('breakerView', () => {
  it("lists the day's mode changes at their triggers' event time, with the trigger", () => {
    // Prepare
    const entries = [
      entry('normal', 'cache_aggressive', ladder(DAY, `${DAY}T14:04:00.000Z`, 71.2, 70)),
      entry('cache_aggressive', 'emergency', ladder(DAY, `${DAY}T21:56:30.000Z`, 96.02, 95)),
    ];

    // Act
    const view = breakerView(DAY, 'emergency', entries, TODAY);

    // Assess
    expect(view.start_mode).toBe('normal');
    expect(view.mode).toBe('emergency');
    expect(view.transitions.map((t) => [t.minute, t.from_mode, t.to_mode, t.trigger])).toEqual([
      [844, 'normal', 'cache_aggressive', 'budget_ladder 71.2/70'],
      [1317, 'cache_aggressive', 'emergency', 'budget_ladder 96.02/95'],
    ]);
  });

  it('leaves out dry runs, entries that kept the mode and other days', () => {
    // Prepare
    const entries = [
      entry('normal', 'cost_saving', ladder('2025-03-14', '2025-03-14T20:00:00.000Z', 86, 85)),
      entry('cost_saving', 'emergency', { kind: 'dry_run', ...ladder(DAY, `${DAY}T01:00:00.000Z`, 96, 95) }),
      entry('cost_saving', 'cost_saving', ladder(DAY, `${DAY}T02:00:00.000Z`, 3.5, 3)),
      entry('cost_saving', 'normal', { kind: 'override_applied', recorded_at: `${DAY}T03:00:00.000Z` }),
    ];

    // Act
    const view = breakerView(DAY, 'normal', entries, TODAY);

    // Assess
    expect(view.start_mode).toBe('cost_saving');
    expect(view.transitions.map((t) => [t.kind, t.minute, t.trigger])).toEqual([
      ['override_applied', 180, 'override_applied'],
    ]);
  });

  it('places a change judged outside the day (a restore run by the wall clock after a replay) at its edge', () => {
    // Prepare
    const restore = entry('emergency', 'cost_saving', {
      kind: 'restore_step',
      recorded_at: '2026-12-04T03:37:22.000Z',
      ...ladder(DAY, '2026-12-04T03:37:22.000Z', 0, 0),
    });

    // Act
    const [shown] = breakerView(DAY, 'cost_saving', [restore], TODAY).transitions;

    // Assess
    expect(shown?.minute).toBe(1440);
    expect(shown?.event_time).toBe('2026-12-04T03:37:22.000Z');
  });

  it('starts a day without changes in the mode the last earlier change left', () => {
    expect(
      breakerView(
        DAY,
        'cap',
        [entry('emergency', 'cap', ladder('2025-03-10', '2025-03-10T23:00:00.000Z', 100, 100))],
        TODAY,
      ).start_mode,
    ).toBe('cap');
    expect(breakerView(DAY, 'normal', [], TODAY).start_mode).toBe('normal');
  });

  it('tells the mode a past day ended in from the mode now, which a later day may have set', () => {
    // Prepare
    const entries = [
      entry('normal', 'emergency', ladder(DAY, `${DAY}T21:00:00.000Z`, 96, 95)),
      entry('emergency', 'cost_saving', ladder(DAY, `${DAY}T23:30:00.000Z`, 0, 0)),
      entry('cost_saving', 'cap', ladder('2025-03-16', '2025-03-16T22:00:00.000Z', 100, 100)),
    ];

    // Act
    const past = breakerView(DAY, 'cap', entries, TODAY);
    const quiet = breakerView('2025-03-20', 'cap', entries, TODAY);
    const current = breakerView(TODAY, 'cap', entries, TODAY);

    // Assess
    expect([past.is_current_day, past.end_mode, past.mode]).toEqual([false, 'cost_saving', 'cap']);
    expect([quiet.is_current_day, quiet.end_mode]).toEqual([false, 'cap']);
    expect([current.is_current_day, current.end_mode]).toEqual([true, 'cap']);
    expect(breakerView(DAY, 'normal', [], TODAY).end_mode).toBe('normal');
  });
});
