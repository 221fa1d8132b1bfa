import { readFileSync } from 'node:fs';
import baselines from '../../config/intent-conversation-baselines.json' with { type: 'json' };
import type { CheckConfig } from '../core/breaker/config';
import {
  checkConfigFromPolicy,
  defaultPolicy,
  InvalidPolicyError,
  type Policy,
  parsePolicy,
} from '../core/breaker/policy';
import { usdToNano } from '../core/money';

const intentConversationNano = (): Record<string, number> =>
  Object.fromEntries(Object.entries(baselines.usd).map(([intent, usd]) => [intent, usdToNano(usd)]));

/** A policy variable holds JSON inline (it starts with `{` or `[`) or names a file. */
const readJsonVariable = (name: string, value: string): { source: string; parsed: unknown } => {
  const inline = /^\s*[[{]/.test(value);
  const source = inline ? name : value;
  let text = value;
  if (!inline) {
    try {
      text = readFileSync(value, 'utf8');
    } catch (cause) {
      throw new InvalidPolicyError(source, ['cannot be read as a file'], { cause });
    }
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidPolicyError(source, [`is not JSON: ${(cause as Error).message}`], { cause });
  }
  return { source, parsed };
};

const readPolicyVariable = (value: string): Policy => {
  const { source, parsed } = readJsonVariable('BREAKER_POLICY', value);
  return parsePolicy(parsed, source);
};

const budgetVariable = (env: NodeJS.ProcessEnv): number | undefined => {
  const raw = env.DAILY_BUDGET_USD;
  if (raw === undefined || raw === '') return undefined;
  const budget = Number(raw);
  if (!Number.isFinite(budget) || budget <= 0)
    throw new RangeError(`DAILY_BUDGET_USD must be a positive number, got ${raw}`);
  return budget;
};

/**
 * The stage's policy (schemas/policy.v1.json), read once at start so a function with a missing or bad
 * one fails before its first event: BREAKER_POLICY when set (inline JSON or a file), else the default
 * policy for DAILY_BUDGET_USD. With both, they must agree on the budget, which the stage's alarms use.
 */
export const policyFromEnv = (env: NodeJS.ProcessEnv = process.env): Policy => {
  const budget = budgetVariable(env);
  const variable = env.BREAKER_POLICY;
  if (variable === undefined || variable.trim() === '') {
    if (budget === undefined)
      throw new InvalidPolicyError('environment', [
        'set BREAKER_POLICY (a policy file or inline JSON) or DAILY_BUDGET_USD',
      ]);
    return defaultPolicy(budget);
  }
  const policy = readPolicyVariable(variable);
  if (budget !== undefined && budget !== policy.daily_budget_usd)
    throw new InvalidPolicyError('BREAKER_POLICY', [
      `daily_budget_usd: is ${policy.daily_budget_usd} but DAILY_BUDGET_USD is ${budget}`,
    ]);
  return policy;
};

/**
 * The shadow policies (DESIGN 18) from BREAKER_SHADOW_POLICIES: a JSON array of policies, inline or in a
 * file; none when unset. Each needs its own name, which names its ledger entries.
 */
export const shadowPoliciesFromEnv = (env: NodeJS.ProcessEnv = process.env): Policy[] => {
  const variable = env.BREAKER_SHADOW_POLICIES;
  if (variable === undefined || variable.trim() === '') return [];
  const { source, parsed } = readJsonVariable('BREAKER_SHADOW_POLICIES', variable);
  if (!Array.isArray(parsed)) throw new InvalidPolicyError(source, ['must be an array of policies']);
  const policies = parsed.map((p, i) => parsePolicy(p, `${source}[${i}]`));
  const names = policies.map((p) => p.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new InvalidPolicyError(source, [`name: "${repeated}" is used twice`]);
  return policies;
};

/** The checks' thresholds of a shadow policy. */
export const shadowCheckConfig = (policy: Policy): CheckConfig =>
  checkConfigFromPolicy(policy, intentConversationNano());

/** The checks' thresholds of the stage's policy (see policyFromEnv). */
export const checkConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): CheckConfig =>
  checkConfigFromPolicy(policyFromEnv(env), intentConversationNano());
