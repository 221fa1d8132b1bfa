import { describe, expect, it } from '@jest/globals';
import { DEFAULT_LADDER } from '../../../../functions/core/breaker/ladder';
import {
  checkConfigFromPolicy,
  defaultPolicy,
  InvalidPolicyError,
  parsePolicy,
  policyAlerts,
} from '../../../../functions/core/breaker/policy';

const problemsOf = (value: unknown): readonly string[] => {
  try {
    parsePolicy(value, 'candidate.json');
  } catch (error) {
    if (error instanceof InvalidPolicyError) return error.problems;
    throw error;
  }
  throw new Error('the policy was accepted');
};

describe('the breaker policy', () => {
  it("is today's thresholds when only the budget is given", () => {
    // Prepare & Act
    const policy = defaultPolicy(5_000);

    // Assess
    expect(policy).toEqual({
      name: 'default',
      daily_budget_usd: 5_000,
      ladder_pct: { cache_aggressive: 70, cost_saving: 85, emergency: 95, cap: 100 },
      forecast: { enabled: true, over_pct: 100, first_mode: 'cache_aggressive' },
      look_ahead: { enabled: true, settle_seconds: 300, over_pct: 100, cap_lead_seconds: 600 },
      velocity: { factor: 3, history_days: 7, warehouse_baseline_min_days: 3 },
      spike: { factor: 10 },
      token_explosion: { prompt_tokens: 10_000 },
      mismatch: { tolerance_pct: 1 },
      restore: { step_seconds: 900 },
      alerts: { min_severity: 'info' },
    });
    expect(checkConfigFromPolicy(policy, { faq: 1 })).toEqual({
      capNano: 5_000_000_000_000,
      ladder: DEFAULT_LADDER,
      forecastOverBp: 10_000,
      forecastFirstMode: 'cache_aggressive',
      forecastSettleMs: 300_000,
      lookAhead: { settleMs: 300_000, overBp: 10_000, capLeadMs: 600_000 },
      velocityFactor: 3,
      historyDays: 7,
      warehouseBaselineMinDays: 3,
      spikeFactor: 10,
      intentConversationNano: { faq: 1 },
      tokenExplosionTokens: 10_000,
      mismatchBp: 100,
    });
  });

  it('keeps what a candidate sets and fills in only what it leaves out', () => {
    const policy = parsePolicy({
      name: 'tight',
      daily_budget_usd: 1_000,
      ladder_pct: { cache_aggressive: 50, cost_saving: 60.5, emergency: 80, cap: 90 },
      forecast: { enabled: false },
      velocity: { factor: 2 },
    });

    expect(policy.ladder_pct.cost_saving).toBe(60.5);
    expect(policy.forecast).toEqual({ enabled: false, over_pct: 100, first_mode: 'cache_aggressive' });
    expect(policy.velocity).toEqual({ factor: 2, history_days: 7, warehouse_baseline_min_days: 3 });
    expect(checkConfigFromPolicy(policy, {})).toMatchObject({
      ladder: { cacheAggressiveBp: 5_000, costSavingBp: 6_050, emergencyBp: 8_000, capBp: 9_000 },
      forecastOverBp: null,
    });
  });

  it('does not change the value it was given', () => {
    const given = { daily_budget_usd: 10 };
    parsePolicy(given);
    expect(given).toEqual({ daily_budget_usd: 10 });
  });

  it.each([
    [{}, 'daily_budget_usd: is required'],
    [{ daily_budget_usd: 0 }, 'daily_budget_usd: must be > 0'],
    [{ daily_budget_usd: '5000' }, 'daily_budget_usd: must be a number'],
    [{ daily_budget_usd: 5, treshold: 1 }, 'treshold: is not a known field'],
    [{ daily_budget_usd: 5, ladder_pct: { cache_aggressive: 70 } }, 'ladder_pct.cost_saving: is required'],
    [{ daily_budget_usd: 5, velocity: { factor: -1 } }, 'velocity.factor: must be > 0'],
    [
      { daily_budget_usd: 5, alerts: { min_severity: 'loud' } },
      'alerts.min_severity: must be one of info, warning, critical',
    ],
    [
      { daily_budget_usd: 5, ladder_pct: { cache_aggressive: 70, cost_saving: 95, emergency: 85, cap: 100 } },
      'ladder_pct.emergency: must be above ladder_pct.cost_saving (95)',
    ],
  ])('rejects %j, naming the field and the reason', (value, problem) => {
    expect(problemsOf(value)).toContain(problem);
  });

  it('names its source in the error', () => {
    expect(() => parsePolicy({}, 'candidate.json')).toThrow(
      'invalid policy (candidate.json): daily_budget_usd: is required',
    );
  });

  it('alerts at and above its minimum severity', () => {
    const warningsUp = parsePolicy({ daily_budget_usd: 1, alerts: { min_severity: 'warning' } });
    expect(['info', 'warning', 'critical'].map((s) => policyAlerts(warningsUp, s as 'info'))).toEqual([
      false,
      true,
      true,
    ]);
  });
});
