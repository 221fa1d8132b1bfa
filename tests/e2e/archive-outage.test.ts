import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { gunzipSync } from 'node:zlib';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import type { ArchivedEvent } from '../../functions/core/analytics/archived-event';
import { localDynamoDbClient, localKinesisClient, localSfnClient } from '../../scripts/lib/local-clients';
import { produceEvents } from '../../scripts/lib/produce-events';
import { readFlags } from '../../scripts/lib/readers/flags';
import type { StackState } from '../../scripts/lib/stack-context';
import { openStage } from '../../scripts/lib/stage';
import { setFirehoseFault } from '../../scripts/local/aws/firehose';
import { awsStandInPaths } from '../../scripts/local/aws/server';
import { drain } from '../../scripts/local/drain';
import { stackStatus, startStack, stopStack } from '../../scripts/local/stack';
import { closeWarehouseDb, warehouseDb } from '../../scripts/local/warehouse/warehouse-db';
import { aV2Event, SONNET } from '../helpers/cost-events';

const DAY = '2025-03-15';
const EVENT_COST_NANO = 57_000_000;

/**
 * "The analytics path never slows or blocks the breaker path": with the Firehose stand-in down, the
 * aggregate still counts spend and the breaker still trips; the archive's own mapping keeps retrying and
 * reports it, and once Firehose is back the archive catches up with every event, once.
 * A $1 budget; each event costs $0.057 (9,000 input and 2,000 output Sonnet tokens).
 */
describe('an archive outage on the local stack', () => {
  let home: string;
  let state: StackState;
  const saved = { ...process.env };
  const events = Array.from({ length: 17 }, (_, i) =>
    aV2Event({
      event_id: `evt-${i}`,
      session_id: `sess-${i}`,
      occurred_at: Date.parse(`${DAY}T23:58:${10 + i}.000Z`),
      model_id: SONNET,
      input_tokens: 9_000,
      output_tokens: 2_000,
    }),
  );

  const firehoseRoot = () => awsStandInPaths(home).firehose;

  /** Every archived line the stand-in has written for the archive stream. */
  const archivedLines = async (): Promise<ArchivedEvent[]> => {
    const rows: ArchivedEvent[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.name.endsWith('.gz')) {
          const text = gunzipSync(await readFile(path)).toString('utf8');
          rows.push(
            ...text
              .split('\n')
              .filter(Boolean)
              .map((line) => JSON.parse(line) as ArchivedEvent),
          );
        }
      }
    };
    await walk(join(firehoseRoot(), state.archiveDeliveryStream));
    return rows;
  };

  const escalationsSettled = async () => {
    const sfn = localSfnClient(state);
    try {
      for (const deadline = Date.now() + 30_000; Date.now() < deadline; ) {
        const { executions } = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: state.stateMachineArns.escalate,
            statusFilter: 'RUNNING',
          }),
        );
        if ((executions ?? []).length === 0) return;
        await delay(100);
      }
      throw new Error('escalate executions still running');
    } finally {
      sfn.destroy();
    }
  };

  const archiveConsumer = async () =>
    (await stackStatus({ home })).consumers.find((c) => c.functionName === `ccb-local-archive`);

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-archive-'));
    process.env.CCB_HOME = home;
    process.env.DAILY_BUDGET_USD = '1';
    ({ state } = await startStack({
      home,
      shards: 1,
      mapping: { MaximumBatchingWindowInSeconds: 0 },
      sfnWaitScale: 0.005,
      sfnRetryIntervalMs: 10,
      checkIntervalMs: 0,
    }));
  }, 120_000);

  afterAll(async () => {
    await stopStack({ home, purge: true, graceMs: 5_000 }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    process.env = saved;
  });

  it('counts spend and trips the breaker while Firehose is down, and reports the archive failing', async () => {
    // Prepare
    await setFirehoseFault(firehoseRoot(), { unavailable: true });

    // Act
    const kinesis = localKinesisClient(state);
    await produceEvents(events, { kinesis, streamName: state.streamName }).finally(() => kinesis.destroy());
    await drain(state, { home, consumers: 'aggregate', timeoutSeconds: 60 });
    await escalationsSettled();

    // Assess: the breaker path went on.
    const dynamodb = localDynamoDbClient(state);
    const total = await new DynamoDbSpendReader(dynamodb, state.spendTable)
      .dayTotal(DAY)
      .finally(() => dynamodb.destroy());
    expect(total).toEqual({ day: DAY, cost_nano: 17 * EVENT_COST_NANO, events: 17 });
    const flags = await readFlags(await openStage('local'));
    expect(Object.fromEntries(flags.flags.map((flag) => [flag.name, flag.value]))).toMatchObject({
      breaker_mode: 'emergency',
      degradation_active: 'true',
    });
    // The archive's mapping is retrying, has reported failed batches, and has archived nothing.
    // Its status file is written every second: wait for it to show the retries, within a generous bound.
    let archive = await archiveConsumer();
    for (const deadline = Date.now() + 30_000; (archive?.stats.partialBatchFailures ?? 0) < 2; ) {
      if (Date.now() > deadline)
        throw new Error(`the archive reported no retries: ${JSON.stringify(archive)}`);
      await delay(250);
      archive = await archiveConsumer();
    }
    expect(archive?.stats.partialBatchFailures).toBeGreaterThanOrEqual(2);
    expect(archive?.stats.recordsCheckpointed).toBe(0);
    expect(archive?.stats.recordsToFailureDestination).toBe(0);
    expect(await archivedLines()).toEqual([]);
    await expect(drain(state, { home, timeoutSeconds: 1 })).rejects.toThrow(/ccb-local-archive's checkpoint/);
  }, 90_000);

  it('catches up once Firehose is back: every event archived once, and loaded into the warehouse', async () => {
    // Act
    await setFirehoseFault(firehoseRoot(), undefined);
    await drain(state, { home, timeoutSeconds: 60 });

    // Assess
    const lines = await archivedLines();
    expect(lines.map((line) => line.event_id).sort()).toEqual(events.map((event) => event.event_id).sort());
    expect(
      lines.every((line) => line.cost_nano === EVENT_COST_NANO && line.day === DAY && line.hour === 23),
    ).toBe(true);
    // The warehouse belongs to the stand-ins process: read it once the stack has stopped.
    await stopStack({ home, graceMs: 10_000 });
    const db = await warehouseDb(home);
    try {
      const unique = await db.query<{ events: number; cost: string }>(
        'SELECT count(*)::int AS events, sum(cost_nano)::text AS cost FROM cost_events_unique',
      );
      expect(unique.rows[0]).toEqual({ events: 17, cost: String(17 * EVENT_COST_NANO) });
    } finally {
      await closeWarehouseDb(home);
    }
  }, 90_000);
});
