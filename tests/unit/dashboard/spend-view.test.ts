import { describe, expect, it } from '@jest/globals';
import { forecastEndOfDayNano } from '../../../functions/core/breaker/ladder';
import type { SpendSnapshot } from '../../../functions/core/breaker/ports';
import { velocityBaseline } from '../../../functions/core/breaker/spend-checks';
import { breakDownSpend, type HourlySpendRow } from '../../../functions/core/reporting/spend-breakdown';
import { spendView } from '../../../scripts/dashboard/spend-view';
import { defaultCheckConfig } from '../../helpers/check-config';

const DAY = '2025-03-15';
const DAY_START = Date.parse(`${DAY}T00:00:00.000Z`);
const USD = 1_000_000_000;
const config = defaultCheckConfig(100 * USD, {});

const row = (hour: number, intent: string, model_id: string, cost_nano: number): HourlySpendRow => ({
  day: DAY,
  hour,
  intent,
  model_id,
  component: 'llm',
  language: 'en',
  events: 10,
  input_tokens: 100,
  output_tokens: 50,
  cache_read_tokens: 0,
  cost_nano,
  cache_hits: 0,
});

// Hour 0 and hour 1: $3 then $5 in 15-minute buckets 0, 1 and 5.
const rows = [
  row(0, 'faq', 'haiku', 1 * USD),
  row(0, 'chat', 'sonnet', 2 * USD),
  row(1, 'chat', 'sonnet', 5 * USD),
];
const snapshot: SpendSnapshot = {
  day: DAY,
  spentNano: 8 * USD,
  quarters: new Map([
    [0, 1 * USD],
    [1, 2 * USD],
    [5, 5 * USD],
  ]),
  sameHourHistory: [],
};

const view = (wallNow: number) => {
  const baseline = velocityBaseline(snapshot, config.capNano);
  return spendView({
    byIntent: breakDownSpend(DAY, rows, 'intent'),
    byModel: breakDownSpend(DAY, rows, 'model'),
    snapshot,
    baselines: new Map([
      [0, baseline],
      [1, baseline],
    ]),
    config,
    budgetSource: 'the local stack',
    wallNow,
  });
};

describe('spendView', () => {
  it("totals the day as ccb spend does and places the ladder's rungs on the budget", () => {
    const shown = view(Date.parse('2025-03-16T12:00:00.000Z'));

    expect(shown.total).toEqual({ nano: 8 * USD, usd: '$8.00' });
    expect(shown.estimated).toEqual({ nano: 0, usd: '$0.00' });
    expect(shown.spent_pct).toBe(8);
    expect(shown.ladder.map((r) => [r.mode, r.percent, r.amount.usd])).toEqual([
      ['cache_aggressive', 70, '$70.00'],
      ['cost_saving', 85, '$85.00'],
      ['emergency', 95, '$95.00'],
      ['cap', 100, '$100.00'],
    ]);
    expect(shown.by_intent.map((r) => [r.key, r.cost.usd, r.share_pct])).toEqual([
      ['chat', '$7.00', 87.5],
      ['faq', '$1.00', 12.5],
    ]);
    expect(shown.by_model.map((r) => r.key)).toEqual(['sonnet', 'haiku']);
  });

  it('marks the part priced at a ceiling, in the total and in each breakdown row, as ccb spend reads it', () => {
    const unknown = { ...row(1, 'faq', 'acme.unheard-of-v1:0', 2 * USD), estimated_cost_nano: 2 * USD };
    const withEstimate = [...rows, unknown];
    const byIntent = breakDownSpend(DAY, withEstimate, 'intent');
    const byModel = breakDownSpend(DAY, withEstimate, 'model');

    const shown = spendView({
      byIntent,
      byModel,
      snapshot: { ...snapshot, spentNano: 10 * USD },
      baselines: new Map(),
      config,
      budgetSource: 'the local stack',
      wallNow: Date.parse('2025-03-16T12:00:00.000Z'),
    });

    expect(shown.total.usd).toBe('$10.00');
    expect(shown.estimated).toEqual({ nano: byIntent.estimated_nano, usd: '$2.00' });
    expect(shown.by_model.map((r) => [r.key, r.cost.usd, r.estimated.usd])).toEqual([
      ['sonnet', '$7.00', '$0.00'],
      ['acme.unheard-of-v1:0', '$2.00', '$2.00'],
      ['haiku', '$1.00', '$0.00'],
    ]);
    expect(shown.by_intent.map((r) => [r.key, r.cost.usd, r.estimated.usd])).toEqual([
      ['chat', '$7.00', '$0.00'],
      ['faq', '$3.00', '$2.00'],
    ]);
  });

  it('accumulates the 15-minute buckets up to stream time and forecasts from the last 15 minutes', () => {
    const shown = view(Date.parse('2025-03-16T12:00:00.000Z'));

    // Stream time is the end of bucket 5 (01:30), the latest with spend.
    expect(shown.stream_time).toBe('2025-03-15T01:29:59.999Z');
    expect(shown.cumulative.map((p) => [p.label, p.amount.nano / USD])).toEqual([
      ['00:00', 0],
      ['00:15', 1],
      ['00:30', 3],
      ['00:45', 3],
      ['01:00', 3],
      ['01:15', 3],
      ['01:30', 8],
    ]);
    const at = DAY_START + 90 * 60_000 - 1;
    expect(shown.forecast.end_of_day.nano).toBe(
      forecastEndOfDayNano({
        spentNano: 8 * USD,
        capNano: config.capNano,
        last15MinutesNano: 5 * USD,
        msLeftInDay: DAY_START + 86_400_000 - at,
      }),
    );
    expect(shown.forecast.from_minute).toBe(90);
  });

  it('sets each 15-minute spend against the velocity baseline and its spike bound', () => {
    const shown = view(Date.parse('2025-03-16T12:00:00.000Z'));

    const evenPace = Math.round((100 * USD) / 96);
    expect(shown.velocity.points).toHaveLength(6);
    expect(shown.velocity.points[5]).toMatchObject({
      label: '01:15',
      spend: { nano: 5 * USD },
      baseline: { nano: evenPace },
      bound: { nano: evenPace * 3 },
      source: 'even_pace',
    });
  });

  it('stops at the wall clock on a day still under way', () => {
    const shown = view(DAY_START + 20 * 60_000);

    expect(shown.stream_time).toBe('2025-03-15T00:20:00.000Z');
    expect(shown.cumulative.at(-1)).toMatchObject({ minute: 20, amount: { nano: 3 * USD } });
  });
});
