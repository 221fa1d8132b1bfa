import { describe, expect, it } from '@jest/globals';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';
import type { Check } from '../../../functions/core/breaker/trigger';
import { budgetCrossings, renderTimeline } from '../../../scripts/demo/breaker-story';
import { aV2Event, SONNET } from '../../helpers/cost-events';

const entry = (overrides: Partial<LedgerEntry>): LedgerEntry => ({
  entry_id: 'e',
  kind: 'transition',
  recorded_at: '2026-11-23T10:00:00.000Z',
  execution: 'x',
  actor: 'breaker',
  reason: 'r',
  ...overrides,
});

const fiveMinuteWindows = (at: number): [number, number] => {
  const from = Math.floor(at / 300_000) * 300_000;
  return [from, from + 300_000];
};

describe('the demo timeline', () => {
  it('reads the same whichever of two triggers of one window applied first', () => {
    const trigger = (check: Check) => ({
      id: check,
      check,
      metric: 'm',
      value: 1,
      threshold: 1,
      event_time: '2025-03-15T14:03:00.000Z',
      day: '2025-03-15',
    });
    const velocityFirst = [
      entry({
        from_mode: 'normal',
        to_mode: 'normal',
        trigger: trigger('spend_velocity'),
        detail: { raised: { suspend_scale_in: true } },
      }),
      entry({ from_mode: 'normal', to_mode: 'cost_saving', trigger: trigger('forecast') }),
    ];
    const forecastFirst = [
      entry({ from_mode: 'normal', to_mode: 'cost_saving', trigger: trigger('forecast') }),
      entry({
        from_mode: 'cost_saving',
        to_mode: 'cost_saving',
        trigger: trigger('spend_velocity'),
        detail: { raised: { suspend_scale_in: true } },
      }),
    ];

    const rendered = renderTimeline(velocityFirst, fiveMinuteWindows);

    expect(renderTimeline(forecastFirst, fiveMinuteWindows)).toBe(rendered);
    expect(rendered).toMatch(/14:00-14:05 +normal -> cost_saving +forecast/);
    expect(rendered).toContain('raise suspend_scale_in=true');
  });
});

describe('the budget crossings', () => {
  it('are the event times at which the running spend reached each rung, each event once', () => {
    // $0.0345 per event (9,000 + 500 Sonnet tokens); a $0.10 cap.
    const at = (minute: number) => Date.parse(`2025-03-15T10:0${minute}:00.000Z`);
    const events = [1, 2, 3].map((i) =>
      aV2Event({
        event_id: `e${i}`,
        occurred_at: at(i),
        model_id: SONNET,
        input_tokens: 9_000,
        output_tokens: 500,
      }),
    );
    const crossings = budgetCrossings([...events, events[2]], '2025-03-15', 100_000_000);
    expect(crossings).toEqual([
      { percent: 70, at: at(3) },
      { percent: 85, at: at(3) },
      { percent: 95, at: at(3) },
      { percent: 100, at: at(3) },
    ]);
  });
});
