import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { checkConfigFromEnv, policyFromEnv } from '../../../functions/shared/breaker-config';

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
