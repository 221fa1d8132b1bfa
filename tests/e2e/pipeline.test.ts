import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { localDynamoDbClient, localKinesisClient } from '../../scripts/lib/local-clients';
import { produceEvents } from '../../scripts/lib/produce-events';
import { summarizeQuarantine } from '../../scripts/lib/readers/dynamodb-quarantine-reader';
import type { StackState } from '../../scripts/lib/stack-context';
import { readCheckpoints } from '../../scripts/local/checkpoints';
import { drain } from '../../scripts/local/drain';
import { stackPaths } from '../../scripts/local/paths';
import { waitForExit } from '../../scripts/local/processes';
import { startStack, stopStack } from '../../scripts/local/stack';
import { generateScenario, type ScenarioLine } from '../../scripts/scenarios';
import { expectedTotals } from '../../scripts/scenarios/expected-totals';

const DAY = '2025-03-15';

/**
 * The whole local pipeline with the real handler: producer -> kinesis-local -> event-source emulator ->
 * aggregate handler -> DynamoDB Local, including a kill -9 of the stack and a full replay.
 */
describe('the local pipeline, end to end', () => {
  let home: string;
  let state: StackState;
  const lines = [...generateScenario('default-day', { day: DAY, scale: 0.004, seed: 3 })];
  const expected = expectedTotals(lines);

  const givenProduced = async (source: readonly ScenarioLine[]) => {
    const kinesis = localKinesisClient(state);
    try {
      return await produceEvents(source, { kinesis, streamName: state.streamName });
    } finally {
      kinesis.destroy();
    }
  };

  const storedSpend = async () => {
    const client = localDynamoDbClient(state);
    try {
      const reader = new DynamoDbSpendReader(client, state.spendTable);
      const hourly = await reader.hourly(DAY);
      const total = await reader.dayTotal(DAY);
      const quarantine = await summarizeQuarantine(client, state.quarantineTable);
      return {
        total,
        hourlyCost: hourly.reduce((sum, row) => sum + row.cost_nano, 0),
        hourlyEvents: hourly.reduce((sum, row) => sum + row.events, 0),
        quarantined: quarantine.total,
      };
    } finally {
      client.destroy();
    }
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-'));
    ({ state } = await startStack({ home, shards: 4, kinesisPersistInterval: '1s' }));
  }, 120_000);

  afterAll(async () => {
    await stopStack({ home, purge: true, graceMs: 5_000 }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
  });

  it('stores exactly the unique valid events of a scenario and quarantines its poison lines', async () => {
    const produced = await givenProduced(lines);
    await drain(state, { home, timeoutSeconds: 120 });

    const stored = await storedSpend();
    expect(produced).toMatchObject({ events: lines.length, rejected: 0 });
    expect(produced.sent).toBeLessThan(lines.length / 10);
    expect(expected.invalid).toBeGreaterThan(0);
    expect(stored).toEqual({
      total: { day: DAY, cost_nano: expected.costNano, events: expected.events },
      hourlyCost: expected.costNano,
      hourlyEvents: expected.events,
      quarantined: expected.invalid,
    });
  }, 180_000);

  it('answers `ccb spend --json` and `ccb quarantine --json` from the stored spend items', async () => {
    const ccb = (...args: string[]) =>
      promisify(execFile)('node', ['bin/ccb.mjs', ...args], { env: { ...process.env, CCB_HOME: home } });

    const spend = JSON.parse((await ccb('spend', '--day', DAY, '--by', 'model', '--json')).stdout);
    const quarantine = JSON.parse((await ccb('quarantine', '--json')).stdout);

    expect(spend).toMatchObject({ day: DAY, events: expected.events, total_usd: expected.costNano / 1e9 });
    expect(spend.rows.map((row: { model: string }) => row.model).sort()).toEqual([
      'anthropic.claude-3-5-sonnet-20241022-v2:0',
      'anthropic.claude-3-haiku-20240307-v1:0',
    ]);
    expect(quarantine.total).toBe(expected.invalid);
  }, 60_000);

  it('after kill -9 of the whole stack, resumes and counts a full replay of the day not at all', async () => {
    const checkpointsPath = stackPaths(home).checkpoints;
    const before = await readCheckpoints(checkpointsPath);
    const replay = givenProduced(lines);
    // Kill mid-replay: once the aggregate has processed part of it (a checkpoint moved), whatever the
    // machine's pace; kinesis-local may or may not have persisted those records yet, and either must do.
    for (const deadline = Date.now() + 60_000; ; await delay(50)) {
      const now = await readCheckpoints(checkpointsPath);
      if ([...now].some(([shardId, sequenceNumber]) => before.get(shardId) !== sequenceNumber)) break;
      if (Date.now() > deadline) throw new Error('no checkpoint moved within 60 s of the replay starting');
    }
    process.kill(-state.supervisorPid, 'SIGKILL');
    await replay.catch(() => undefined);
    expect(await waitForExit(state.supervisorPid, 30_000)).toBe(true);

    const restarted = await startStack({ home, shards: 4, kinesisPersistInterval: '1s' });
    state = restarted.state;
    await givenProduced(lines);
    await drain(state, { home, timeoutSeconds: 120 });

    const stored = await storedSpend();
    expect(restarted.recovered).toBe(true);
    expect(stored.total).toEqual({ day: DAY, cost_nano: expected.costNano, events: expected.events });
    expect(stored.hourlyCost).toBe(expected.costNano);
  }, 240_000);
});
