import { usdToNano } from '../money';
import type { CheckConfig } from './config';
import type { Policy } from './policy.v1.generated';
import { validatePolicy } from './policy-validator.generated';
import type { Severity } from './trigger';

// The policy as the checks read it: the schema's type with every default filled in (useDefaults).
export type { Policy, PolicyDocument } from './policy.v1.generated';

/** A policy that does not follow schemas/policy.v1.json; the message names each field and its reason. */
export class InvalidPolicyError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly string[],
    options?: ErrorOptions,
  ) {
    super(`invalid policy (${source}): ${problems.join('; ')}`, options);
    this.name = 'InvalidPolicyError';
  }
}

const RUNGS = ['cache_aggressive', 'cost_saving', 'emergency', 'cap'] as const;

interface ErrorParams {
  missingProperty?: string;
  additionalProperty?: string;
  type?: string;
  comparison?: string;
  limit?: number;
  pattern?: string;
  allowedValues?: readonly unknown[];
}

/** The validator is compiled without message texts (bundle size): the reason, from the keyword. */
const reason = (keyword: string, params: ErrorParams): string => {
  switch (keyword) {
    case 'type':
      return `must be ${params.type === 'integer' ? 'an integer' : `a ${params.type}`}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${params.comparison} ${params.limit}`;
    case 'maxLength':
      return `must be at most ${params.limit} characters`;
    case 'pattern':
      return `must match ${params.pattern}`;
    case 'enum':
      return `must be one of ${(params.allowedValues ?? []).join(', ')}`;
    default:
      return `is invalid (${keyword})`;
  }
};

const schemaProblems = (): string[] =>
  (validatePolicy.errors ?? []).map((error) => {
    const params = error.params as ErrorParams;
    const path = error.instancePath.replace(/^\//, '').replaceAll('/', '.');
    const prefix = path === '' ? '' : `${path}.`;
    if (params.missingProperty !== undefined) return `${prefix}${params.missingProperty}: is required`;
    if (params.additionalProperty !== undefined)
      return `${prefix}${params.additionalProperty}: is not a known field`;
    return `${path || 'policy'}: ${reason(error.keyword, params)}`;
  });

/**
 * Checks a policy against schemas/policy.v1.json and fills in the defaults of every section left out.
 * Throws InvalidPolicyError naming the field and the reason (the first schema problem, or every rung that
 * does not climb).
 */
export const parsePolicy = (value: unknown, source = 'policy'): Policy => {
  const copy: unknown = structuredClone(value);
  if (!validatePolicy(copy)) throw new InvalidPolicyError(source, schemaProblems());
  const policy = copy;
  const problems: string[] = [];
  RUNGS.slice(1).forEach((rung, i) => {
    const below = RUNGS[i] as (typeof RUNGS)[number];
    if (policy.ladder_pct[rung] <= policy.ladder_pct[below])
      problems.push(`ladder_pct.${rung}: must be above ladder_pct.${below} (${policy.ladder_pct[below]})`);
  });
  if (problems.length > 0) throw new InvalidPolicyError(source, problems);
  return policy;
};

/** Today's defaults (DESIGN 5) for a budget: the schema's defaults, as `parsePolicy` fills them in. */
export const defaultPolicy = (dailyBudgetUsd: number): Policy =>
  parsePolicy({ daily_budget_usd: dailyBudgetUsd }, 'default policy');

const toBp = (pct: number): number => Math.round(pct * 100);

/** The checks' thresholds a policy sets; the intents' average conversation costs come from the stage's data. */
export const checkConfigFromPolicy = (
  policy: Policy,
  intentConversationNano: Readonly<Record<string, number>>,
): CheckConfig => ({
  capNano: usdToNano(policy.daily_budget_usd),
  ladder: {
    cacheAggressiveBp: toBp(policy.ladder_pct.cache_aggressive),
    costSavingBp: toBp(policy.ladder_pct.cost_saving),
    emergencyBp: toBp(policy.ladder_pct.emergency),
    capBp: toBp(policy.ladder_pct.cap),
  },
  forecastOverBp: policy.forecast.enabled ? toBp(policy.forecast.over_pct) : null,
  forecastFirstMode: policy.forecast.first_mode,
  // The look-ahead's settle time: one notion of how long a mode takes to reach every consumer.
  forecastSettleMs: policy.look_ahead.settle_seconds * 1_000,
  lookAhead: policy.look_ahead.enabled
    ? {
        settleMs: policy.look_ahead.settle_seconds * 1_000,
        overBp: toBp(policy.look_ahead.over_pct),
        capLeadMs: policy.look_ahead.cap_lead_seconds * 1_000,
      }
    : null,
  velocityFactor: policy.velocity.factor,
  historyDays: policy.velocity.history_days,
  warehouseBaselineMinDays: policy.velocity.warehouse_baseline_min_days,
  spikeFactor: policy.spike.factor,
  intentConversationNano,
  tokenExplosionTokens: policy.token_explosion.prompt_tokens,
  mismatchBp: toBp(policy.mismatch.tolerance_pct),
});

const SEVERITY_ORDER: readonly Severity[] = ['info', 'warning', 'critical'];

/** True when an alert of this severity is one the policy sends. */
export const policyAlerts = (policy: Pick<Policy, 'alerts'>, severity: Severity): boolean =>
  SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(policy.alerts.min_severity);
