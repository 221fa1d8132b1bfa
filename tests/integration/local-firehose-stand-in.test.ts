import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gunzipSync } from 'node:zlib';
import {
  DescribeDeliveryStreamCommand,
  type FirehoseClient,
  PutRecordBatchCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { FirehoseArchiveSink } from '../../functions/adapters/firehose/firehose-archive-sink';
import { ArchiveDeliveryError } from '../../functions/core/analytics/send-in-batches';
import { localFirehoseClient } from '../../scripts/lib/local-clients';
import { setFirehoseFault } from '../../scripts/local/aws/firehose';
import { type AwsStandIns, awsStandInPaths, serveAwsStandIns } from '../../scripts/local/aws/server';
import { warehouseDb } from '../../scripts/local/warehouse/warehouse-db';
import { archivedEvents } from '../helpers/archived-events';

// The first delivery waits for a fresh PGlite database (~4 s here).
jest.setTimeout(60_000);

const STAGE = 'it';
const STREAM = `ccb-${STAGE}-archive`;

/** Every object the stand-in wrote for the stream, by its path under the stream's folder. */
const objects = async (root: string): Promise<Map<string, string[]>> => {
  const found = new Map<string, string[]>();
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.gz')) {
        const lines = gunzipSync(await readFile(path))
          .toString('utf8')
          .split('\n')
          .filter(Boolean);
        found.set(relative(root, path), lines);
      }
    }
  };
  await walk(root);
  return found;
};

/**
 * The Firehose stand-in of the local stack, in process, driven by the real archive sink and SDK client:
 * partitioned gzip objects, rows in the warehouse, PutRecordBatch quotas, and injected faults.
 */
describe('the local Firehose stand-in', () => {
  let home = '';
  let server: AwsStandIns;
  let client: FirehoseClient;
  let streamRoot = '';
  const quick = { sleep: async () => {}, random: () => 0 };

  const warehouseRows = async (): Promise<number> => {
    const result = await (await warehouseDb(home)).query<{ n: number }>(
      'SELECT count(*)::int AS n FROM cost_events',
    );
    return result.rows[0]?.n ?? -1;
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-firehose-'));
    server = await serveAwsStandIns({ home, stage: STAGE }, () => {});
    client = localFirehoseClient({
      region: 'us-east-1',
      endpoints: { kinesis: '', dynamodb: '', firehose: server.endpoint },
    });
    streamRoot = join(awsStandInPaths(home).firehose, STREAM);
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await setFirehoseFault(awsStandInPaths(home).firehose, undefined);
    await (await warehouseDb(home)).exec('TRUNCATE cost_events');
    await rm(streamRoot, { recursive: true, force: true });
  });

  it('writes each batch as gzip NDJSON partitioned by the events’ day and hour, and loads the rows', async () => {
    // Prepare: 600 events from 14:00:00, one a second, and 10 at 15:xx on another day.
    const events = [
      ...archivedEvents(600),
      ...archivedEvents(10, { day: '2025-03-16', hour: 15, occurred_at: '2025-03-16T15:00:00.000Z' }).map(
        (e) => ({
          ...e,
          event_id: `next-${e.event_id}`,
        }),
      ),
    ];
    const sink = new FirehoseArchiveSink(client, STREAM, quick);

    // Act
    const result = await sink.send(events);

    // Assess
    expect(result).toEqual({ records: 610, batches: 2, retried: 0 });
    const written = await objects(streamRoot);
    const byPartition = new Map<string, number>();
    for (const [path, lines] of written) {
      expect(path).toMatch(
        new RegExp(`^\\d{4}/\\d{2}/\\d{2}/\\d{2}/${STREAM}-1-\\d{4}(-\\d{2}){5}-[0-9a-f-]{36}\\.gz$`),
      );
      const partition = path.split('/').slice(0, 4).join('/');
      byPartition.set(partition, (byPartition.get(partition) ?? 0) + lines.length);
    }
    expect(Object.fromEntries(byPartition)).toEqual({ '2025/03/15/14': 600, '2025/03/16/15': 10 });
    expect([...written.values()].flat().map((line) => JSON.parse(line))).toContainEqual(events[0]);
    expect(await warehouseRows()).toBe(610);
  });

  it('rejects a batch over the quotas as Firehose does', async () => {
    // Prepare
    const tooMany = Array.from({ length: 501 }, () => ({ Data: new TextEncoder().encode('{}\n') }));

    // Act
    const sending = client.send(new PutRecordBatchCommand({ DeliveryStreamName: STREAM, Records: tooMany }));

    // Assess
    await expect(sending).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('answers DescribeDeliveryStream for the archive stream and ResourceNotFound for any other', async () => {
    const described = await client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: STREAM }));

    expect(described.DeliveryStreamDescription).toMatchObject({
      DeliveryStreamName: STREAM,
      DeliveryStreamStatus: 'ACTIVE',
      DeliveryStreamType: 'DirectPut',
    });
    await expect(
      client.send(new DescribeDeliveryStreamCommand({ DeliveryStreamName: 'nope' })),
    ).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('rejects every n-th record under the rejectEvery fault, and the sink resends them until all are in', async () => {
    // Prepare
    await setFirehoseFault(awsStandInPaths(home).firehose, { rejectEvery: 7 });
    const sink = new FirehoseArchiveSink(client, STREAM, quick);

    // Act
    const result = await sink.send(archivedEvents(100));

    // Assess
    expect(result.retried).toBeGreaterThan(0);
    expect(await warehouseRows()).toBe(100);
    const lines = [...(await objects(streamRoot)).values()].flat().map((line) => JSON.parse(line).event_id);
    expect(new Set(lines).size).toBe(100);
  });

  it('fails every call under the unavailable fault, and works again once it is lifted', async () => {
    // Prepare
    await setFirehoseFault(awsStandInPaths(home).firehose, { unavailable: true });
    const sink = new FirehoseArchiveSink(client, STREAM, quick);

    // Act
    const failed = sink.send(archivedEvents(3));

    // Assess
    await expect(failed).rejects.toBeInstanceOf(ArchiveDeliveryError);
    await expect(failed).rejects.toThrow(
      /3 archive record\(s\) could not be delivered \(PutRecordBatch failed/,
    );
    expect(await warehouseRows()).toBe(0);
    await setFirehoseFault(awsStandInPaths(home).firehose, undefined);
    await expect(sink.send(archivedEvents(3))).resolves.toMatchObject({ records: 3 });
    expect(await warehouseRows()).toBe(3);
  });

  it('keeps an object it could not load and lists it under errors/, still accepting the records', async () => {
    // Prepare: a row without the NOT NULL columns.
    const record = { Data: new TextEncoder().encode('{"event_id":"x"}\n') };

    // Act
    const response = await client.send(
      new PutRecordBatchCommand({ DeliveryStreamName: STREAM, Records: [record] }),
    );

    // Assess
    expect(response.FailedPutCount).toBe(0);
    expect(await readdir(join(streamRoot, 'errors'))).toHaveLength(1);
    expect((await objects(streamRoot)).size).toBe(1);
    expect(await warehouseRows()).toBe(0);
  });
});
