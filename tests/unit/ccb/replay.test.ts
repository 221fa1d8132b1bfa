import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { Command } from 'commander';
import { parseDuration, registerReplay } from '../../../scripts/ccb/commands/replay';

const FIXTURE = new URL('../../fixtures/replay/ten-calls.ndjson', import.meta.url).pathname;

const run = async (...args: string[]): Promise<string> => {
  const program = new Command().exitOverride();
  registerReplay(program);
  const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
  try {
    await program.parseAsync(['node', 'ccb', 'replay', ...args]);
    return log.mock.calls.map((c) => String(c[0])).join('\n');
  } finally {
    log.mockRestore();
  }
};

describe('ccb replay', () => {
  it.each([
    ['60s', 60_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['90', 90_000],
  ])('reads the step %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('rejects a step under a second or without a unit it knows', () => {
    expect(() => parseDuration('500ms')).toThrow('at least 1s');
    expect(() => parseDuration('1d')).toThrow('duration');
  });

  it('replays a file under a policy file and prints the JSON report', async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'ccb-replay-'));
    const policy = join(dir, 'tiny.json');
    writeFileSync(policy, JSON.stringify({ name: 'tiny', daily_budget_usd: 0.01 }));

    // Act
    const out = JSON.parse(await run('--file', FIXTURE, '--policy', policy, '--json')) as {
      policy: string;
      crossings: { pct: number; at: string }[];
    };

    // Assess
    expect(out.policy).toBe('tiny');
    expect(out.crossings.map((c) => c.pct)).toEqual([70, 85, 95, 100]);
  });

  it('names the field when the policy is invalid', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ccb-replay-'));
    const policy = join(dir, 'bad.json');
    writeFileSync(policy, JSON.stringify({ daily_budget_usd: 10, ladder_pct: { cap: 100 } }));

    await expect(run('--file', FIXTURE, '--policy', policy)).rejects.toThrow(
      `invalid policy (${policy}): ladder_pct.cache_aggressive: is required`,
    );
  });

  it('prints a table by default', async () => {
    const out = await run('--file', FIXTURE, '--budget', '0.01');

    expect(out).toContain('Rungs crossed');
    expect(out).toContain('Transitions');
  });
});
