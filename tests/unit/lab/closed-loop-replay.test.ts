import { describe, expect, it } from '@jest/globals';
import { defaultPolicy } from '../../../functions/core/breaker/policy';
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

  it('acts later and spends more with a longer propagation delay', async () => {
    const quick = await replayClosedLoop('runaway-day', SCENARIO, { policy, delayMs: 1_000 });
    const slow = await replayClosedLoop('runaway-day', SCENARIO, { policy, delayMs: 30 * 60_000 });

    expect(slow.spend_avoided_usd).toBeLessThan(quick.spend_avoided_usd);
    expect(slow.propagation_ms).toBe(30 * 60_000);
  });
});
