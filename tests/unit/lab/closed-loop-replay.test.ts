import { describe, expect, it } from '@jest/globals';
import { defaultPolicy, parsePolicy } from '../../../functions/core/breaker/policy';
import { replayClosedLoop } from '../../../scripts/lab/closed-loop-replay';
import { replay } from '../../../scripts/lab/replay';
import { generateScenario } from '../../../scripts/scenarios';

const SCENARIO = { scale: 0.005, seed: 1, day: '2025-03-15' };
const policy = defaultPolicy(25);

describe('ccb replay --consumer chatbot', () => {
  it('holds the runaway under the cap that the same day without a breaker blows', async () => {
    // Act
    const loop = await replayClosedLoop('runaway-day', SCENARIO, { policy });
    const open = await replay(generateScenario('runaway-day', SCENARIO), { policy });

    // Assess: the chatbot ignoring the flags is the open-loop runaway day itself.
    expect(loop.no_breaker.spent_usd).toBeCloseTo(
      open.days.reduce((sum, d) => sum + d.spent_usd, 0),
      6,
    );
    expect(open.overshoot_usd).toBeGreaterThan(0);
    expect(loop.spend_avoided_usd).toBeGreaterThan(0);
    expect(loop.peak_pct_of_cap).toBeLessThan(open.peak_pct_of_cap);
    expect(loop.degraded_minutes.cost_saving).toBeGreaterThan(0);
  });

  it('ends a runaway inside a protected intent with token budgets alone: no Haiku floor, no call refused', async () => {
    const loop = await replayClosedLoop('protected-runaway', SCENARIO, { policy });

    expect(loop.no_breaker.overshoot_usd).toBeGreaterThan(0);
    expect(loop.transitions.map((t) => [t.to, t.check])).toEqual([['cache_aggressive', 'forecast']]);
    expect(loop.overshoot_usd).toBe(0);
    expect(loop.calls_clipped).toBeGreaterThan(0);
    expect(loop.calls_refused).toBe(0);
  });

  it('takes cap before the rung by looking ahead when even emergency cannot save the day, refusing fewer calls than the rung alone', async () => {
    // A 3x surge of ordinary calls under a cap below a normal day: no budget cuts it, emergency slows it only.
    const tight = parsePolicy({ daily_budget_usd: 4 });
    const rungOnly = parsePolicy({ daily_budget_usd: 4, name: 'rung-only', look_ahead: { enabled: false } });

    const ahead = await replayClosedLoop('holiday-surge', SCENARIO, { policy: tight });
    const atTheRung = await replayClosedLoop('holiday-surge', SCENARIO, { policy: rungOnly });

    const checksTo = (r: typeof ahead, mode: string) =>
      r.transitions.filter((t) => t.to === mode).map((t) => t.check);
    expect(checksTo(ahead, 'emergency')[0]).toBe('look_ahead');
    expect(checksTo(ahead, 'cap')).toEqual(['look_ahead']);
    expect(ahead.overshoot_usd).toBe(0);
    // The rung alone holds too, by refusing calls from the crossing: only what was in flight got through.
    expect(checksTo(atTheRung, 'cap')).toEqual(['budget_ladder']);
    expect(atTheRung.overshoot_beyond_in_flight_usd).toBe(0);
    expect(ahead.calls_refused).toBeGreaterThan(0);
    expect(ahead.calls_refused).toBeLessThan(atTheRung.calls_refused);
    expect(ahead.minutes_in_mode.cap).toBeLessThan(atTheRung.minutes_in_mode.cap);
  });

  it('acts later and spends more with a longer propagation delay', async () => {
    const quick = await replayClosedLoop('runaway-day', SCENARIO, { policy, delayMs: 1_000 });
    const slow = await replayClosedLoop('runaway-day', SCENARIO, { policy, delayMs: 30 * 60_000 });

    expect(slow.spend_avoided_usd).toBeLessThan(quick.spend_avoided_usd);
    expect(slow.propagation_ms).toBe(30 * 60_000);
  });
});
