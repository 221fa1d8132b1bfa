import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  checkConfigFromEnv,
  policyFromEnv,
  shadowPoliciesFromEnv,
} from '../../../functions/shared/breaker-config';

const dir = mkdtempSync(join(tmpdir(), 'ccb-policy-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('the stage policy from the environment', () => {
  it('is the default policy for DAILY_BUDGET_USD when BREAKER_POLICY is empty', () => {
    expect(policyFromEnv({ DAILY_BUDGET_USD: '5000', BREAKER_POLICY: '' }).ladder_pct.cap).toBe(100);
    expect(checkConfigFromEnv({ DAILY_BUDGET_USD: '5000' }).capNano).toBe(5_000_000_000_000);
  });

  it('reads BREAKER_POLICY inline or from a file', () => {
    const inline = policyFromEnv({ BREAKER_POLICY: '{"daily_budget_usd": 200, "name": "inline"}' });
    const fromFile = policyFromEnv({
      BREAKER_POLICY: file('p.json', JSON.stringify({ daily_budget_usd: 300, spike: { factor: 4 } })),
    });

    expect(inline).toMatchObject({ name: 'inline', daily_budget_usd: 200 });
    expect(fromFile).toMatchObject({ daily_budget_usd: 300, spike: { factor: 4 } });
  });

  it.each([
    [{}, 'set BREAKER_POLICY (a policy file or inline JSON) or DAILY_BUDGET_USD'],
    [{ BREAKER_POLICY: '{"daily_budget_usd": -1}' }, 'daily_budget_usd: must be > 0'],
    [{ BREAKER_POLICY: '{"daily_budget_usd": ' }, 'is not JSON'],
    [{ BREAKER_POLICY: join(dir, 'missing.json') }, 'cannot be read as a file'],
    [
      { BREAKER_POLICY: '{"daily_budget_usd": 100}', DAILY_BUDGET_USD: '5000' },
      'daily_budget_usd: is 100 but DAILY_BUDGET_USD is 5000',
    ],
  ])('fails at start on %j', (env, message) => {
    expect(() => policyFromEnv(env)).toThrow(message);
  });
});

describe('the shadow policies from the environment', () => {
  it('are none when BREAKER_SHADOW_POLICIES is unset or empty', () => {
    expect(shadowPoliciesFromEnv({})).toEqual([]);
    expect(shadowPoliciesFromEnv({ BREAKER_SHADOW_POLICIES: ' ' })).toEqual([]);
  });

  it('are read inline or from a file, each with its defaults', () => {
    const inline = shadowPoliciesFromEnv({
      BREAKER_SHADOW_POLICIES:
        '[{"name": "tight", "daily_budget_usd": 50}, {"name": "late", "daily_budget_usd": 100}]',
    });
    const fromFile = shadowPoliciesFromEnv({
      BREAKER_SHADOW_POLICIES: file('shadows.json', JSON.stringify([{ name: 'f', daily_budget_usd: 1 }])),
    });

    expect(inline.map((p) => [p.name, p.daily_budget_usd, p.ladder_pct.cap])).toEqual([
      ['tight', 50, 100],
      ['late', 100, 100],
    ]);
    expect(fromFile.map((p) => p.name)).toEqual(['f']);
  });

  it.each([
    ['{"name": "one", "daily_budget_usd": 5}', 'must be an array of policies'],
    [
      '[{"name": "a", "daily_budget_usd": 5}, {"name": "a", "daily_budget_usd": 6}]',
      'name: "a" is used twice',
    ],
    ['[{"name": "a"}]', 'invalid policy (BREAKER_SHADOW_POLICIES[0]): daily_budget_usd: is required'],
  ])('fail at start on %s', (value, message) => {
    expect(() => shadowPoliciesFromEnv({ BREAKER_SHADOW_POLICIES: value })).toThrow(message);
  });
});
