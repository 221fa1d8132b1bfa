import { describe, expect, it } from '@jest/globals';
import type { HourBaseline } from '../../../../functions/core/analytics/ports';
import { judgeDay } from '../../../../functions/core/breaker/ladder';
import { MODES, severity } from '../../../../functions/core/breaker/modes';
import type { SpendSnapshot } from '../../../../functions/core/breaker/ports';
import {
  rollingQuarterNano,
  spendTriggers,
  streamTime,
  velocityBaseline,
  velocityBaselineNano,
} from '../../../../functions/core/breaker/spend-checks';
import { defaultCheckConfig } from '../../../helpers/check-config';

const usd = (n: number) => Math.round(n * 1e9);
const config = defaultCheckConfig(usd(5_000), {});
const at = (hhmmss: string) => Date.parse(`2025-03-15T${hhmmss}.000Z`);
// 14:00 is bucket 56.
const snapshot = (
  spent: number,
  quarters: Record<number, number> = {},
  history: number[] = [],
): SpendSnapshot => ({
  day: '2025-03-15',
  spentNano: usd(spent),
  quarters: new Map(Object.entries(quarters).map(([q, n]) => [Number(q), usd(n)])),
  sameHourHistory: history.map(usd),
});

describe('the spend checks', () => {
  it('ask for cache_aggressive at 70.00% of the cap and nothing at 69.99%', () => {
    expect(spendTriggers(snapshot(3_499.5), at('14:00:00'), 'normal', config)).toEqual([]);
    const [ladder] = spendTriggers(snapshot(3_500), at('14:00:00'), 'normal', config);
    expect(ladder).toMatchObject({
      id: 'ladder-2025-03-15-cache_aggressive',
      check: 'budget_ladder',
      to_mode: 'cache_aggressive',
      value: 70,
      threshold: 70,
      event_time: '2025-03-15T14:00:00.000Z',
    });
  });

  it('name a ladder trigger by day and rung, so each rung fires once a day', () => {
    const ids = [3_500, 4_250, 4_750, 5_000].map(
      (spent) => spendTriggers(snapshot(spent), at('20:00:00'), 'normal', config)[0]?.id,
    );
    expect(ids).toEqual([
      'ladder-2025-03-15-cache_aggressive',
      'ladder-2025-03-15-cost_saving',
      'ladder-2025-03-15-emergency',
      'ladder-2025-03-15-cap',
    ]);
  });

  it('do not ask for a mode the breaker already has or exceeds', () => {
    expect(spendTriggers(snapshot(4_300), at('20:00:00'), 'emergency', config)).toEqual([]);
  });

  it('escalate early to cache_aggressive when the last 15 minutes, kept up, would cross the cap', () => {
    // $2,000 spent at 12:00 with $100 in the current quarter: 2,000 + 100 x 48 quarters left > 5,000.
    const found = spendTriggers(snapshot(2_000, { 48: 100 }, [100]), at('12:00:00'), 'normal', config);
    expect(found.map((t) => t.check)).toEqual(['forecast']);
    expect(found[0]).toMatchObject({
      id: 'forecast-2025-03-15-cache_aggressive',
      to_mode: 'cache_aggressive',
      threshold: 100,
    });
  });

  describe('after the forecast took cache_aggressive at 11:40 (settle 300 s)', () => {
    // `since: null` is a cache_aggressive of unknown age (an explicit undefined would take the default).
    const overAt = (time: string, quarter: number, quarterUsd = 100, since: number | null = at('11:40:00')) =>
      spendTriggers(
        snapshot(2_000, { [quarter]: quarterUsd }, [quarterUsd]),
        at(time),
        'cache_aggressive',
        config,
        since ?? undefined,
      );

    it('wait while its token budgets reach the consumers and a whole window of spend is seen since', () => {
      expect(overAt('11:59:59', 47)).toEqual([]);
    });

    it('go on to cost_saving if the day still forecasts over the cap at the pace seen since', () => {
      const found = overAt('12:00:00', 48);
      expect(found).toMatchObject([{ id: 'forecast-2025-03-15', check: 'forecast', to_mode: 'cost_saving' }]);
      expect(found[0]?.summary).toContain(
        'cache_aggressive, its token budgets held, has not slowed it enough',
      );
    });

    it('stay there once the budgets have brought the forecast under the cap', () => {
      expect(overAt('12:00:00', 48, 10)).toEqual([]);
    });

    it('go straight on when cache_aggressive is of unknown age (a day carried over): it had its chance', () => {
      expect(overAt('11:50:00', 47, 100, null)).toMatchObject([{ to_mode: 'cost_saving' }]);
    });
  });

  it('take cost_saving at once when the policy makes it the first step (DESIGN 5 as written)', () => {
    const asWritten = { ...config, forecastFirstMode: 'cost_saving' as const };
    const found = spendTriggers(snapshot(2_000, { 48: 100 }, [100]), at('12:00:00'), 'normal', asWritten);
    expect(found).toMatchObject([{ id: 'forecast-2025-03-15', to_mode: 'cost_saving' }]);
  });

  it('flag a velocity spike above 3x the same-hour history and raise suspend_scale_in', () => {
    const found = spendTriggers(
      snapshot(500, { 56: 31 }, [10, 10, 10, 10]),
      at('14:14:59'),
      'normal',
      config,
    );
    const velocity = found.find((t) => t.check === 'spend_velocity');
    expect(velocity).toMatchObject({
      id: 'velocity-2025-03-15-14h',
      flags: { suspend_scale_in: true },
      value: 3.1,
    });
    expect(
      spendTriggers(snapshot(500, { 56: 30 }, [10, 10, 10, 10]), at('14:14:59'), 'normal', config),
    ).toEqual([]);
  });
});

describe('the spend checks and the ladder rule', () => {
  // The mode the triggers ask for, from a normal breaker, is the one the rule of judgeDay decides.
  it.each([
    [1_000, {}],
    [3_500, {}],
    [2_000, { 55: 150, 56: 200 }],
    [4_300, { 56: 10 }],
    [4_800, { 56: 400 }],
    [5_000, {}],
  ])('ask for what judgeDay decides (spent %d, quarters %j)', (spent, quarters) => {
    const s = snapshot(spent, quarters);
    const atMs = at('14:10:00');
    const asked = spendTriggers(s, atMs, 'normal', config)
      .map((t) => t.to_mode ?? 'normal')
      .reduce((a, b) => (severity(a) >= severity(b) ? a : b), MODES[0]);
    const verdict = judgeDay(
      {
        spentNano: s.spentNano,
        capNano: config.capNano,
        last15MinutesNano: rollingQuarterNano(s, atMs),
        msLeftInDay: Date.parse('2025-03-16T00:00:00Z') - atMs,
      },
      config.ladder,
      config.forecastOverBp,
      config.forecastFirstMode,
    );

    expect(asked).toBe(verdict.mode);
  });
});

describe('the rolling 15 minutes', () => {
  it('count the current bucket and the part of the previous one still in the window', () => {
    expect(rollingQuarterNano(snapshot(0, { 55: 40, 56: 10 }), at('14:00:00'))).toBe(usd(50));
    expect(rollingQuarterNano(snapshot(0, { 55: 40, 56: 10 }), at('14:07:30'))).toBe(usd(30));
  });

  it('fall back to an even pace of the cap when there is no history', () => {
    expect(velocityBaselineNano(snapshot(0), usd(4_800))).toBe(usd(50));
    expect(velocityBaselineNano(snapshot(0, {}, [1, 3]), usd(4_800))).toBe(usd(2));
  });
});

describe('the velocity baseline from the warehouse', () => {
  const stored = (overrides: Partial<HourBaseline> = {}): HourBaseline => ({
    hour: 14,
    for_day: '2025-03-15',
    avg_7d_nano: usd(10),
    days_7d: 7,
    avg_28d_nano: usd(12),
    days_28d: 28,
    computed_at: '2025-03-15T14:05:00.000Z',
    ...overrides,
  });
  const withStored = (
    baseline: HourBaseline,
    quarters: Record<number, number> = {},
    history: number[] = [],
  ) => ({
    ...snapshot(500, quarters, history),
    warehouseBaseline: baseline,
  });

  it('prefers the 7-day warehouse average once it has enough days, over the DynamoDB buckets', () => {
    expect(velocityBaseline(withStored(stored(), {}, [1, 1, 1, 1]), usd(5_000))).toEqual({
      nano: usd(10),
      source: 'warehouse_7d',
      days: 7,
      label: 'baseline: 7-day warehouse average (7 days)',
    });
  });

  it('takes the 28-day average when the last 7 days are too thin, and the buckets when both are', () => {
    expect(velocityBaseline(withStored(stored({ days_7d: 2, days_28d: 9 })), usd(5_000), 3)).toMatchObject({
      nano: usd(12),
      source: 'warehouse_28d',
    });
    expect(
      velocityBaseline(
        withStored(stored({ days_7d: 2, days_28d: 2 }), {}, [2, 2, 2, 2, 4, 4, 4, 4]),
        usd(5_000),
        3,
      ),
    ).toEqual({
      nano: usd(3),
      source: 'same_hour_history',
      days: 2,
      label: 'baseline: same hour on 2 earlier days',
    });
  });

  it('ignores a baseline computed for another day than this one or the day before (a replay of an old day)', () => {
    expect(velocityBaseline(withStored(stored({ for_day: '2025-03-14' })), usd(5_000)).source).toBe(
      'warehouse_7d',
    );
    expect(velocityBaseline(withStored(stored({ for_day: '2025-03-13' })), usd(4_800))).toEqual({
      nano: usd(50),
      source: 'even_pace',
      days: 0,
      label: 'no history: even pace of the cap',
    });
    expect(velocityBaseline(withStored(stored({ for_day: '2025-03-16' })), usd(4_800)).source).toBe(
      'even_pace',
    );
  });

  it('is configurable: the check needs warehouseBaselineMinDays days', () => {
    const strict = { ...config, warehouseBaselineMinDays: 8 };
    const found = spendTriggers(
      withStored(stored({ days_28d: 7 }), { 56: 200 }),
      at('14:14:59'),
      'normal',
      strict,
    );

    expect(found.find((t) => t.check === 'spend_velocity')?.summary).toContain(
      'no history: even pace of the cap',
    );
  });

  it('says in the velocity alert which baseline it used', () => {
    const found = spendTriggers(withStored(stored(), { 56: 31 }), at('14:14:59'), 'normal', config);

    expect(found.find((t) => t.check === 'spend_velocity')).toMatchObject({
      value: 3.1,
      summary:
        '15-minute spend 31.00 is 3.1x its baseline 10.00 (at 14:00; baseline: 7-day warehouse average (7 days))',
    });
    const atBound = spendTriggers(withStored(stored(), { 56: 30 }), at('14:14:59'), 'normal', config);
    expect(atBound.map((t) => t.check)).not.toContain('spend_velocity');
    expect(velocityBaselineNano(withStored(stored()), usd(5_000))).toBe(usd(10));
  });
});

describe('stream time', () => {
  it('is the end of the latest bucket with spend, never past the wall clock', () => {
    const s = snapshot(10, { 3: 1, 56: 2 });
    expect(new Date(streamTime(s, Date.parse('2026-01-01T00:00:00Z'))).toISOString()).toBe(
      '2025-03-15T14:14:59.999Z',
    );
    expect(streamTime(s, at('14:05:00'))).toBe(at('14:05:00'));
    expect(streamTime(snapshot(0), Date.parse('2026-01-01T00:00:00Z'))).toBe(at('00:00:00'));
  });
});
