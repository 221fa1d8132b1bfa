import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { localKinesisClient, localSnsClient } from '../../scripts/lib/local-clients';
import type { StackState } from '../../scripts/lib/stack-context';
import { drain } from '../../scripts/local/drain';
import { stackPaths } from '../../scripts/local/paths';
import { isAlive, waitForExit } from '../../scripts/local/processes';
import {
  type StackStatus,
  stackStatus,
  startStack,
  stopStack,
  type UpOptions,
} from '../../scripts/local/stack';

/**
 * The embedded stack end to end, with a recording handler in place of the aggregate function:
 * up -> put -> drain -> status -> up again (no-op) -> kill -9 -> up (resumes) -> down.
 */
describe('local stack', () => {
  let home = '';
  let handlerLog = '';
  let state: StackState | undefined;
  const seenPids = new Set<number>();
  const options = (): UpOptions => ({
    home,
    handlerModule: 'tests/fixtures/local/recording-handler.ts',
    shards: 2,
    mapping: { MaximumBatchingWindowInSeconds: 0.2, MaximumRetryAttempts: 1 },
    idlePollMs: 50,
  });

  const remember = (current: StackState) => {
    seenPids.add(current.supervisorPid);
    for (const child of current.children) seenPids.add(child.pid);
  };

  const put = async (current: StackState, payloads: readonly string[]) => {
    const client = localKinesisClient(current);
    try {
      const response = await client.send(
        new PutRecordsCommand({
          StreamName: current.streamName,
          Records: payloads.map((payload) => ({ Data: Buffer.from(payload), PartitionKey: payload })),
        }),
      );
      expect(response.FailedRecordCount ?? 0).toBe(0);
    } finally {
      client.destroy();
    }
  };

  const delivered = async (): Promise<Map<string, number>> => {
    const counts = new Map<string, number>();
    const text = existsSync(handlerLog) ? await readFile(handlerLog, 'utf8') : '';
    for (const line of text.split('\n').filter(Boolean)) {
      const { data } = JSON.parse(line) as { data: string };
      counts.set(data, (counts.get(data) ?? 0) + 1);
    }
    return counts;
  };

  /** The first status that satisfies `wanted`, looked at again until a generous bound. */
  const statusWhere = async (
    wanted: (status: StackStatus) => boolean,
    what: string,
  ): Promise<StackStatus> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const status = await stackStatus({ home });
      if (wanted(status)) return status;
      if (Date.now() > deadline) throw new Error(`no ${what} within 30 s; last: ${JSON.stringify(status)}`);
      await delay(200);
    }
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-local-stack-'));
    handlerLog = join(home, 'handler.jsonl');
    process.env.CCB_TEST_HANDLER_LOG = handlerLog;
  });

  afterAll(async () => {
    await stopStack({ home, graceMs: 5_000 }).catch(() => undefined);
    for (const pid of seenPids) {
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    }
    await rm(home, { recursive: true, force: true });
    delete process.env.CCB_TEST_HANDLER_LOG;
  });

  it('starts both emulators, the stream and the tables, and records its state', async () => {
    const result = await startStack(options());
    state = result.state;
    remember(state);

    expect(result).toMatchObject({ started: true, recovered: false });
    expect(state).toMatchObject({
      streamName: 'ccb-local-cost-events',
      shardCount: 2,
      tables: { spendTable: 'ccb-local-spend', quarantineTable: 'ccb-local-quarantine' },
      home,
    });
    expect(state.endpoints.kinesis).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(state.children.map((child) => child.name).sort()).toEqual([
      'aws-stand-ins',
      'dynamodb-local',
      'kinesis-local',
    ]);
    expect(state.endpoints.ssm).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(state.endpoints).toMatchObject({ sfn: state.endpoints.ssm, sns: state.endpoints.ssm });
    const sns = localSnsClient(state);
    const { Topics } = await sns.send(new ListTopicsCommand({}));
    sns.destroy();
    expect(Topics?.map((topic) => topic.TopicArn)).toEqual([state.alertsTopicArn]);
    expect(existsSync(stackPaths(home).state)).toBe(true);
    // DynamoDB Local writes this file into its working directory only when its telemetry is on.
    expect(existsSync(join(stackPaths(home).dynamodbData, 'dynamodb-local-metadata.json'))).toBe(false);
  }, 180_000);

  it('invokes the handler for every record put, and drain returns once they are processed', async () => {
    if (state === undefined) throw new Error('the stack did not start');
    const payloads = Array.from({ length: 20 }, (_, index) => `first-${index}`);

    await put(state, payloads);
    const result = await drain(state, { timeoutSeconds: 90 });

    const counts = await delivered();
    expect(result.shards).toHaveLength(2);
    expect(payloads.every((payload) => counts.get(payload) === 1)).toBe(true);
    const [line] = (await readFile(handlerLog, 'utf8')).split('\n');
    expect(JSON.parse(line ?? '{}')).toMatchObject({
      functionName: 'ccb-local-aggregate',
      spendTable: 'ccb-local-spend',
    });
  }, 120_000);

  it('reports healthy processes, zero lag and the poller counters', async () => {
    // A probe that times out on a busy machine reports that emulator unhealthy for that one look (as
    // `up` allows for): wait for a status with every probe answering rather than trust the first.
    // The poller's status file is refreshed every second, so its counters catch up a little later.
    const status = await statusWhere(
      (s) => s.healthy && (s.eventSource?.stats.recordsCheckpointed ?? 0) >= 20,
      'a healthy stack whose status file counts the 20 records',
    );

    expect(status).toMatchObject({ running: true, healthy: true, supervisor: { alive: true } });
    expect(status.emulators.every((emulator) => emulator.alive && emulator.healthy)).toBe(true);
    expect(status.stream?.shards.map((shard) => shard.records)).toEqual([0, 0]);
    expect(status.stream?.shards.every((shard) => shard.checkpoint !== null)).toBe(true);
    expect(status.eventSource?.stats.recordsCheckpointed).toBe(20);
    expect(status.eventSource?.mapping).toMatchObject({
      MaximumBatchingWindowInSeconds: 0.2,
      MaximumRetryAttempts: 1,
    });
  }, 60_000);

  it('leaves a healthy stack alone when up is run again', async () => {
    const again = await startStack(options());

    expect(again.started).toBe(false);
    expect(again.state.supervisorPid).toBe(state?.supervisorPid);
  });

  it('after kill -9 of the process group, up starts again on the same data and resumes from the checkpoints', async () => {
    if (state === undefined) throw new Error('the stack did not start');
    const killed = state.supervisorPid;
    process.kill(-killed, 'SIGKILL');
    expect(await waitForExit(killed, 30_000)).toBe(true);
    expect((await stackStatus({ home })).healthy).toBe(false);

    const result = await startStack(options());
    state = result.state;
    remember(state);
    await put(state, ['second-0', 'second-1', 'poison']);
    await drain(state, { timeoutSeconds: 90 });

    expect(result).toMatchObject({ started: true, recovered: true });
    expect(state.supervisorPid).not.toBe(killed);
    const counts = await delivered();
    expect(
      [...counts.entries()].filter(([payload]) => payload.startsWith('first-')).every(([, n]) => n === 1),
    ).toBe(true);
    expect(counts.get('second-0')).toBe(1);
    // The poison record fails, is bisected out, retried once and then discarded to the failure folder.
    expect(counts.get('poison')).toBeGreaterThanOrEqual(2);
    const failures = await readdir(stackPaths(home).failures);
    expect(failures).toHaveLength(1);
  }, 180_000);

  it('down stops every process, removes the state file and keeps the data', async () => {
    if (state === undefined) throw new Error('the stack did not start');
    const pids = [state.supervisorPid, ...state.children.map((child) => child.pid)];

    const result = await stopStack({ home });

    expect(result).toMatchObject({ wasRunning: true, graceful: true, purged: false });
    expect(pids.filter(isAlive)).toEqual([]);
    expect(existsSync(stackPaths(home).state)).toBe(false);
    expect(existsSync(stackPaths(home).checkpoints)).toBe(true);
    expect(existsSync(stackPaths(home).kinesisData)).toBe(true);
    expect((await stackStatus({ home })).running).toBe(false);
  });
});
