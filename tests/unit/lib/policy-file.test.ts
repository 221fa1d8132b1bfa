import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { defaultPolicy } from '../../../functions/core/breaker/policy';
import { readPolicyFile } from '../../../scripts/lib/policy-file';
import { projectRoot } from '../../../scripts/local/paths';

const POLICIES = join(projectRoot, 'config/policies');

describe('readPolicyFile', () => {
  it.each([['patient-forecast.json']])(
    'reads the shipped candidate %s, only its forecast apart from the default',
    async (file) => {
      const policy = await readPolicyFile(join(POLICIES, file));
      const { name, description, $schema, forecast, ...rest } = policy;
      const {
        name: _n,
        description: _d,
        $schema: _s,
        forecast: defaultForecast,
        ...defaults
      } = defaultPolicy(policy.daily_budget_usd);
      expect(name).toBe(file.replace(/\.json$/, ''));
      expect(forecast.over_pct).toBeGreaterThan(defaultForecast.over_pct);
      expect(rest).toEqual(defaults);
    },
  );

  it('lists every shipped candidate in the test above', async () => {
    expect(await readdir(POLICIES)).toEqual(['patient-forecast.json']);
  });

  it('names the file and the field of a policy it rejects', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ccb-policy-'));
    const path = join(dir, 'bad.json');
    await writeFile(path, JSON.stringify({ daily_budget_usd: 100, forecast: { over_pct: 'high' } }));
    await expect(readPolicyFile(path)).rejects.toThrow(
      `invalid policy (${path}): forecast.over_pct: must be a number`,
    );
  });

  it('names the file it cannot read as JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ccb-policy-'));
    const path = join(dir, 'broken.json');
    await writeFile(path, '{ not json');
    await expect(readPolicyFile(path)).rejects.toThrow(`cannot read the policy ${path}`);
  });
});
