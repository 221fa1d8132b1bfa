import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { type Policy, parsePolicy } from '../../../functions/core/breaker/policy';
import { decodeCostEvent } from '../../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import { replay } from '../../../scripts/lab/replay';
import { generateScenario } from '../../../scripts/scenarios';

const FIXTURE = new URL('../../fixtures/replay/ten-calls.ndjson', import.meta.url);
const fixtureLines = (): string[] =>
  readFileSync(FIXTURE, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
const encoder = new TextEncoder();
const T0 = Date.parse('2025-03-15T14:00:00.000Z');
const at = (call: number) => new Date(T0 + call * 10_000).toISOString();

/** Every call of the fixture is the same Sonnet call: its price, from the pricing core. */
const callNano = (() => {
  const decoded = decodeCostEvent(encoder.encode(fixtureLines()[0] ?? ''), DEFAULT_PRICE_TABLE);
  if (!decoded.ok) throw new Error('fixture does not decode');
  return decoded.event.costNano;
})();

/** Ladder only: the forecast and velocity checks would act first on a burst of ten calls. */
const ladderOnly = (capNano: number, overrides: Record<string, unknown> = {}): Policy =>
  parsePolicy({
    name: 'ladder-only',
    daily_budget_usd: capNano / 1e9,
    forecast: { enabled: false },
    velocity: { factor: 1_000 },
    ...overrides,
  });

describe('ccb replay over a fixed event file', () => {
  it('reports each rung at the event time of the call that reached it, 70.00% included', async () => {
    // Prepare: a cap of exactly ten calls, so call 7 (index 6) reaches 70.00% exactly.
    const policy = ladderOnly(10 * callNano);

    // Act
    const report = await replay(fixtureLines(), { policy });

    // Assess
    expect(report.crossings).toEqual([
      { pct: 70, at: at(6) },
      { pct: 85, at: at(8) },
      { pct: 95, at: at(9) },
      { pct: 100, at: at(9) },
    ]);
    expect(report.transitions).toEqual([
      { at: at(6), from: 'normal', to: 'cache_aggressive', check: 'budget_ladder' },
      { at: at(8), from: 'cache_aggressive', to: 'cost_saving', check: 'budget_ladder' },
      { at: at(9), from: 'cost_saving', to: 'cap', check: 'budget_ladder' },
    ]);
    expect(report.events).toMatchObject({ counted: 10, duplicates: 1, quarantined: { malformed_json: 1 } });
    expect(report.peak_pct_of_cap).toBe(100);
    expect(report.overshoot_usd).toBe(0);
  });

  it('moves the crossings to a smaller budget’s own points', async () => {
    const report = await replay(fixtureLines(), { policy: ladderOnly(5 * callNano) });

    // 70% of five calls is 3.5: the 4th call; 85% is 4.25 and 95% 4.75: the 5th, which is also the cap.
    expect(report.crossings).toEqual([
      { pct: 70, at: at(3) },
      { pct: 85, at: at(4) },
      { pct: 95, at: at(4) },
      { pct: 100, at: at(4) },
    ]);
    expect(report.overshoot_usd).toBeCloseTo((5 * callNano) / 1e9, 9);
    expect(report.peak_pct_of_cap).toBe(200);
  });

  it("follows the policy's own rungs", async () => {
    const policy = ladderOnly(10 * callNano, {
      ladder_pct: { cache_aggressive: 20, cost_saving: 50, emergency: 60, cap: 90 },
    });

    const report = await replay(fixtureLines(), { policy });

    expect(report.crossings).toEqual([
      { pct: 20, at: at(1) },
      { pct: 50, at: at(4) },
      { pct: 60, at: at(5) },
      { pct: 90, at: at(8) },
    ]);
  });

  it('alerts once per rung with the keys the live workflows use', async () => {
    const report = await replay(fixtureLines(), { policy: ladderOnly(10 * callNano) });

    expect(report.alerts.map((a) => [a.at, a.alert_key, a.severity])).toEqual([
      [at(6), 'ladder-2025-03-15-cache_aggressive', 'warning'],
      [at(8), 'ladder-2025-03-15-cost_saving', 'warning'],
      [at(9), 'ladder-2025-03-15-cap', 'critical'],
    ]);
  });

  it('evaluates at least once per step of event time, and counts time in each mode', async () => {
    const spread = fixtureLines().map((line, i) => {
      const event = JSON.parse(line.endsWith('}') ? line : '{}') as { occurred_at?: number };
      return event.occurred_at === undefined
        ? line
        : JSON.stringify({ ...event, occurred_at: T0 + i * 600_000 });
    });

    const report = await replay(spread, { policy: ladderOnly(100 * callNano), stepMs: 60_000 });

    // Eleven good lines ten minutes apart (the retry now has its own time but the same id).
    const spanMinutes = (11 * 600_000) / 60_000;
    expect(report.evaluations).toBeGreaterThanOrEqual(spanMinutes);
    expect(report.minutes_in_mode).toEqual({
      normal: 1_440,
      cache_aggressive: 0,
      cost_saving: 0,
      emergency: 0,
      cap: 0,
    });
    expect(report.spend_by_hour.map((h) => h.hour)).toEqual(['2025-03-15T14', '2025-03-15T15']);
  });
});

/** Independent of the breaker: sort, drop repeated ids, add up, and find where each share is reached. */
const oracleCrossings = (lines: readonly unknown[], capNano: number, rungs: readonly number[]) => {
  const events = new Map<string, { at: number; cost: number }>();
  for (const line of lines) {
    const decoded = decodeCostEvent(
      encoder.encode(typeof line === 'string' ? line : JSON.stringify(line)),
      DEFAULT_PRICE_TABLE,
    );
    if (decoded.ok && !events.has(decoded.event.eventId))
      events.set(decoded.event.eventId, { at: decoded.event.occurredAt, cost: decoded.event.costNano });
  }
  const sorted = [...events.values()].sort((a, b) => a.at - b.at);
  const found: { pct: number; at: string }[] = [];
  let spent = 0;
  let next = 0;
  for (const e of sorted) {
    spent += e.cost;
    while (next < rungs.length && spent * 100 >= capNano * (rungs[next] as number)) {
      found.push({ pct: rungs[next] as number, at: new Date(e.at).toISOString() });
      next += 1;
    }
  }
  return found;
};

describe('ccb replay over a runaway day', () => {
  const lines = [...generateScenario('runaway-day', { scale: 0.005 })];

  it.each([25, 15])('reports every rung where cumulative spend crossed it (cap $%d)', async (budget) => {
    const report = await replay(lines, { policy: parsePolicy({ daily_budget_usd: budget }) });

    expect(report.crossings).toEqual(oracleCrossings(lines, budget * 1e9, [70, 85, 95, 100]));
    expect(report.crossings).toHaveLength(4);
    // The breaker acted no later than each rung: the forecast may act before any.
    for (const crossing of report.crossings) {
      expect(report.transitions.some((t) => t.at <= crossing.at)).toBe(true);
    }
  });
});

describe('ccb replay over two days', () => {
  const lines = [
    ...generateScenario('runaway-day', { day: '2025-03-15', scale: 0.005 }),
    ...generateScenario('default-day', { day: '2025-03-16', scale: 0.005 }),
  ];

  it.each([
    [900, ['00:00', '00:15', '00:30', '00:45']],
    [300, ['00:00', '00:05', '00:10', '00:15']],
  ])('restores the next day one mode at a time, at the policy pace of %d s', async (seconds, times) => {
    const policy = parsePolicy({ daily_budget_usd: 25, restore: { step_seconds: seconds } });

    const report = await replay(lines, { policy });

    const restores = report.transitions.filter((t) => t.check === 'restore');
    expect(restores.map((t) => [t.at.slice(11, 16), t.from, t.to])).toEqual([
      [times[0], 'cap', 'emergency'],
      [times[1], 'emergency', 'cost_saving'],
      [times[2], 'cost_saving', 'cache_aggressive'],
      [times[3], 'cache_aggressive', 'normal'],
    ]);
    expect(report.alerts.filter((a) => a.check === 'restore')).toHaveLength(4);
  });
});
