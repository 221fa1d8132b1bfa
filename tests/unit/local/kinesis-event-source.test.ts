import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from '@jest/globals';
import type { KinesisStreamEvent } from 'aws-lambda';
import { fileCheckpointStore } from '../../../scripts/local/checkpoints';
import {
  type CheckpointStore,
  createKinesisEventSource,
  type EventSourceMappingSettings,
  type EventSourceOptions,
  ExpiredIteratorError,
  type Invocation,
  type KinesisEventSource,
  ReadThrottledError,
} from '../../../scripts/local/kinesis-event-source';
import {
  InMemoryCheckpoints,
  InMemoryFailureDestination,
  InMemoryStream,
  ManualClock,
} from '../../helpers/in-memory-kinesis';

const SHARD = InMemoryStream.shardId(0);
const STREAM_ARN = 'arn:aws:kinesis:us-east-1:000000000000:stream/ccb-test-cost-events';
const FUNCTION_ARN = 'arn:aws:lambda:us-east-1:000000000000:function:ccb-test-aggregate';
const ROLE_ARN = 'arn:aws:iam::000000000000:role/ccb-test-aggregate';

interface Delivered {
  shardId: string;
  attempt: number;
  at: number;
  payloads: string[];
  sequenceNumbers: string[];
}

type Handler = (event: KinesisStreamEvent, invocation: Invocation, call: number) => Promise<unknown>;

const payloadsOf = (event: KinesisStreamEvent): string[] =>
  event.Records.map((record) => Buffer.from(record.kinesis.data, 'base64').toString('utf8'));

const names = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, index) => `r${from + index}`);

/** Yields to the event loop until the predicate holds; the virtual clock makes this quick. */
const until = async (predicate: () => boolean, what = 'condition'): Promise<void> => {
  const deadline = Date.now() + 5_000;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
};

const running: KinesisEventSource[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((source) => source.stop()));
});

const given = (
  options: {
    shards?: number;
    mapping?: Partial<EventSourceMappingSettings>;
    handler?: Handler;
    checkpoints?: CheckpointStore;
    stream?: InMemoryStream;
    clock?: ManualClock;
    extra?: Partial<EventSourceOptions>;
  } = {},
) => {
  const clock = options.clock ?? new ManualClock();
  const stream = options.stream ?? new InMemoryStream(options.shards ?? 1, clock);
  const checkpoints = options.checkpoints ?? new InMemoryCheckpoints();
  const failures = new InMemoryFailureDestination();
  const delivered: Delivered[] = [];
  const source = createKinesisEventSource(
    {
      reader: stream,
      checkpoints,
      failures,
      clock,
      invoke: async (event, invocation) => {
        delivered.push({
          shardId: invocation.shardId,
          attempt: invocation.attempt,
          at: clock.now(),
          payloads: payloadsOf(event),
          sequenceNumbers: event.Records.map((record) => record.kinesis.sequenceNumber),
        });
        return options.handler?.(event, invocation, delivered.length);
      },
    },
    {
      streamArn: STREAM_ARN,
      region: 'us-east-1',
      functionArn: FUNCTION_ARN,
      invokeIdentityArn: ROLE_ARN,
      mapping: { MaximumBatchingWindowInSeconds: 0, ...options.mapping },
      ...options.extra,
    },
  );
  running.push(source);
  const recordsDone = (count: number) => () => source.stats().recordsCheckpointed >= count;
  return { clock, stream, checkpoints, failures, delivered, source, recordsDone };
};

describe('kinesis event source: batching', () => {
  it('builds the event exactly as Lambda does', async () => {
    // Prepare
    const events: KinesisStreamEvent[] = [];
    const { stream, source, recordsDone } = given({
      handler: async (event) => {
        events.push(event);
      },
    });
    const [record] = stream.put(SHARD, ['{"hello":"world"}'], Date.UTC(2026, 0, 15, 11, 59, 58, 987));

    // Act
    await source.start();
    await until(recordsDone(1));

    // Assess
    expect(events[0]).toEqual({
      Records: [
        {
          kinesis: {
            kinesisSchemaVersion: '1.0',
            partitionKey: 'pk-{"hello":"world"}',
            sequenceNumber: record?.sequenceNumber,
            data: Buffer.from('{"hello":"world"}').toString('base64'),
            approximateArrivalTimestamp: 1768478398.987,
          },
          eventSource: 'aws:kinesis',
          eventVersion: '1.0',
          eventID: `${SHARD}:${record?.sequenceNumber}`,
          eventName: 'aws:kinesis:record',
          invokeIdentityArn: ROLE_ARN,
          awsRegion: 'us-east-1',
          eventSourceARN: STREAM_ARN,
        },
      ],
    });
  });

  it('delivers a shard in sequence order in batches of at most BatchSize', async () => {
    // Prepare
    const { stream, source, delivered, checkpoints, recordsDone } = given({ mapping: { BatchSize: 1000 } });
    const records = stream.put(SHARD, names(1, 2500));

    // Act
    await source.start();
    await until(recordsDone(2500));

    // Assess
    expect(delivered.map((batch) => batch.payloads.length)).toEqual([1000, 1000, 500]);
    expect(delivered.flatMap((batch) => batch.payloads)).toEqual(names(1, 2500));
    expect((checkpoints as InMemoryCheckpoints).saved.map((saved) => saved.sequenceNumber)).toEqual([
      records[999]?.sequenceNumber,
      records[1999]?.sequenceNumber,
      records[2499]?.sequenceNumber,
    ]);
  });

  it('waits up to MaximumBatchingWindowInSeconds to gather records that arrive after the first read', async () => {
    // Prepare
    const { stream, source, delivered, clock, recordsDone } = given({
      mapping: { BatchSize: 100, MaximumBatchingWindowInSeconds: 1 },
    });
    stream.put(SHARD, names(1, 2));
    const firstArrival = clock.now();
    stream.onRead = (readCount) => {
      if (readCount === 2) stream.put(SHARD, names(3, 5));
    };

    // Act
    await source.start();
    await until(recordsDone(5));

    // Assess
    expect(delivered).toHaveLength(1);
    expect(delivered[0]?.payloads).toEqual(names(1, 5));
    expect(delivered[0]?.at).toBeGreaterThanOrEqual(firstArrival + 1_000);
  });

  it('sends a full batch at once, without waiting for the window', async () => {
    // Prepare
    const { stream, source, delivered, clock, recordsDone } = given({
      mapping: { BatchSize: 10, MaximumBatchingWindowInSeconds: 5 },
    });
    stream.put(SHARD, names(1, 10));
    const start = clock.now();

    // Act
    await source.start();
    await until(recordsDone(10));

    // Assess
    expect(delivered.map((batch) => batch.payloads.length)).toEqual([10]);
    expect(delivered[0]?.at).toBe(start);
  });

  it('with a window of 0 invokes with whatever the first read returned', async () => {
    // Prepare
    const { stream, source, delivered, recordsDone } = given({
      mapping: { MaximumBatchingWindowInSeconds: 0 },
    });
    stream.put(SHARD, names(1, 2));
    stream.onRead = (readCount) => {
      if (readCount === 1) stream.put(SHARD, names(3, 4));
    };

    // Act
    await source.start();
    await until(recordsDone(4));

    // Assess
    expect(delivered.map((batch) => batch.payloads)).toEqual([names(1, 2), names(3, 4)]);
  });

  it('cuts a batch before it would exceed the payload limit', async () => {
    // Prepare
    const { stream, source, delivered, recordsDone } = given({
      mapping: { BatchSize: 100 },
      extra: { maxPayloadBytes: 3_000 },
    });
    stream.put(SHARD, names(1, 10));

    // Act
    await source.start();
    await until(recordsDone(10));

    // Assess
    expect(delivered.length).toBeGreaterThan(1);
    expect(delivered.flatMap((batch) => batch.payloads)).toEqual(names(1, 10));
  });
});

describe('kinesis event source: concurrency', () => {
  it('runs one invocation at a time per shard and the shards in parallel', async () => {
    // Prepare
    const active = new Map<string, number>();
    const maxPerShard = new Map<string, number>();
    let maxOverall = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { stream, source, recordsDone } = given({
      shards: 2,
      mapping: { BatchSize: 2 },
      handler: async (_event, invocation) => {
        const now = (active.get(invocation.shardId) ?? 0) + 1;
        active.set(invocation.shardId, now);
        maxPerShard.set(invocation.shardId, Math.max(maxPerShard.get(invocation.shardId) ?? 0, now));
        maxOverall = Math.max(
          maxOverall,
          [...active.values()].reduce((sum, value) => sum + value, 0),
        );
        await gate;
        active.set(invocation.shardId, (active.get(invocation.shardId) ?? 1) - 1);
      },
    });
    stream.put(InMemoryStream.shardId(0), names(1, 6));
    stream.put(InMemoryStream.shardId(1), names(7, 12));

    // Act
    await source.start();
    await until(() => maxOverall === 2, 'both shards to be invoked');
    release();
    await until(recordsDone(12));

    // Assess
    expect(maxPerShard.get(InMemoryStream.shardId(0))).toBe(1);
    expect(maxPerShard.get(InMemoryStream.shardId(1))).toBe(1);
  });

  it('lets the batch in flight finish and checkpoints it when stopped', async () => {
    // Prepare
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { stream, source, delivered, checkpoints } = given({ handler: () => gate });
    const records = stream.put(SHARD, names(1, 3));
    await source.start();
    await until(() => delivered.length === 1);

    // Act
    const stopped = source.stop();
    release();
    await stopped;

    // Assess
    expect((checkpoints as InMemoryCheckpoints).current.get(SHARD)).toBe(records[2]?.sequenceNumber);
  });
});

describe('kinesis event source: partial batch responses', () => {
  it('checkpoints just before the lowest failed itemIdentifier and retries from it', async () => {
    // Prepare
    let records: ReturnType<InMemoryStream['put']> = [];
    const { stream, source, delivered, checkpoints, recordsDone } = given({
      handler: async (_event, _invocation, call) =>
        call === 1
          ? {
              batchItemFailures: [
                { itemIdentifier: records[3]?.sequenceNumber },
                { itemIdentifier: records[1]?.sequenceNumber },
              ],
            }
          : { batchItemFailures: [] },
    });
    records = stream.put(SHARD, names(0, 5));

    // Act
    await source.start();
    await until(recordsDone(6));

    // Assess
    expect(delivered.map((batch) => batch.payloads)).toEqual([names(0, 5), names(1, 5)]);
    expect(delivered.map((batch) => batch.attempt)).toEqual([1, 2]);
    expect((checkpoints as InMemoryCheckpoints).saved.map((saved) => saved.sequenceNumber)).toEqual([
      records[0]?.sequenceNumber,
      records[5]?.sequenceNumber,
    ]);
    expect(source.stats()).toMatchObject({ partialBatchFailures: 1, retries: 1, invocations: 2 });
  });

  it('retries the same batch when the first record fails, counting the attempt', async () => {
    // Prepare
    let records: ReturnType<InMemoryStream['put']> = [];
    const { stream, source, delivered, checkpoints, recordsDone } = given({
      handler: async (_event, invocation) =>
        invocation.attempt === 1
          ? { batchItemFailures: [{ itemIdentifier: records[0]?.sequenceNumber }] }
          : undefined,
    });
    records = stream.put(SHARD, names(0, 2));

    // Act
    await source.start();
    await until(recordsDone(3));

    // Assess
    expect(delivered.map((batch) => [batch.attempt, batch.payloads])).toEqual([
      [1, names(0, 2)],
      [2, names(0, 2)],
    ]);
    expect((checkpoints as InMemoryCheckpoints).saved).toHaveLength(1);
  });

  it.each([
    ['an identifier that is not in the batch', { itemIdentifier: 'not-a-sequence-number-of-this-batch' }],
    ['an empty identifier', { itemIdentifier: '' }],
    ['a null identifier', { itemIdentifier: null }],
    ['a misspelt key', { itemIdentifer: 'x' }],
  ])('treats %s as a failure of the whole batch', async (_case, failure) => {
    // Prepare
    const { stream, source, delivered, checkpoints, recordsDone } = given({
      mapping: { BisectBatchOnFunctionError: true },
      handler: async (_event, _invocation, call) => (call === 1 ? { batchItemFailures: [failure] } : {}),
    });
    const records = stream.put(SHARD, names(0, 3));

    // Act
    await source.start();
    await until(recordsDone(4));

    // Assess
    expect(delivered.map((batch) => [batch.attempt, batch.payloads])).toEqual([
      [1, names(0, 3)],
      [2, names(0, 3)],
    ]);
    expect((checkpoints as InMemoryCheckpoints).saved.map((saved) => saved.sequenceNumber)).toEqual([
      records[3]?.sequenceNumber,
    ]);
    expect(source.stats()).toMatchObject({ wholeBatchFailuresByResponse: 1, bisects: 0 });
  });

  it.each([
    ['no response', undefined],
    ['null', null],
    ['an empty object', {}],
    ['a null list', { batchItemFailures: null }],
    ['an empty list', { batchItemFailures: [] }],
  ])('treats %s as a complete success', async (_case, response) => {
    // Prepare
    const { stream, source, delivered, recordsDone } = given({ handler: async () => response });
    stream.put(SHARD, names(0, 3));

    // Act
    await source.start();
    await until(recordsDone(4));

    // Assess
    expect(delivered).toHaveLength(1);
  });

  it('ignores the response when ReportBatchItemFailures is off', async () => {
    // Prepare
    const { stream, source, delivered, recordsDone } = given({
      mapping: { ReportBatchItemFailures: false },
      handler: async () => ({ batchItemFailures: [{ itemIdentifier: 'anything' }] }),
    });
    stream.put(SHARD, names(0, 1));

    // Act
    await source.start();
    await until(recordsDone(2));

    // Assess
    expect(delivered).toHaveLength(1);
  });
});

describe('kinesis event source: function errors', () => {
  it('bisects a failing batch into halves, retries each, and discards only the poison record', async () => {
    // Prepare
    const { stream, source, delivered, failures, checkpoints, recordsDone } = given({
      mapping: { BatchSize: 8, BisectBatchOnFunctionError: true, MaximumRetryAttempts: 1 },
      handler: async (event) => {
        if (payloadsOf(event).includes('r5')) throw new Error('poison record');
      },
    });
    const records = stream.put(SHARD, names(0, 7));

    // Act
    await source.start();
    await until(recordsDone(8));

    // Assess
    expect(delivered.map((batch) => batch.payloads)).toEqual([
      names(0, 7),
      names(0, 3),
      names(4, 7),
      names(4, 5),
      ['r4'],
      ['r5'],
      ['r5'],
      names(6, 7),
    ]);
    expect(failures.records).toHaveLength(1);
    expect(failures.records[0]).toMatchObject({
      requestContext: {
        functionArn: FUNCTION_ARN,
        condition: 'RetryAttemptsExhausted',
        approximateInvokeCount: 2,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      KinesisBatchInfo: {
        shardId: SHARD,
        startSequenceNumber: records[5]?.sequenceNumber,
        endSequenceNumber: records[5]?.sequenceNumber,
        batchSize: 1,
        streamArn: STREAM_ARN,
      },
    });
    expect((checkpoints as InMemoryCheckpoints).current.get(SHARD)).toBe(records[7]?.sequenceNumber);
    expect(source.stats()).toMatchObject({ bisects: 3, retries: 1, recordsToFailureDestination: 1 });
  });

  it('after MaximumRetryAttempts sends the batch to the failure destination and moves past it', async () => {
    // Prepare
    const { stream, source, delivered, failures, checkpoints, clock, recordsDone } = given({
      mapping: { BisectBatchOnFunctionError: false, MaximumRetryAttempts: 2 },
      handler: async (event) => {
        if (payloadsOf(event).includes('r0')) throw new Error('always fails');
      },
    });
    const firstArrival = clock.now();
    const records = stream.put(SHARD, names(0, 2));
    clock.advance(250);
    records.push(...stream.put(SHARD, ['r3']));

    // Act
    await source.start();
    await until(recordsDone(4));
    stream.put(SHARD, ['after']);
    await until(recordsDone(5));

    // Assess
    expect(delivered.map((batch) => [batch.attempt, batch.payloads])).toEqual([
      [1, names(0, 3)],
      [2, names(0, 3)],
      [3, names(0, 3)],
      [1, ['after']],
    ]);
    expect(failures.records).toEqual([
      {
        requestContext: {
          requestId: expect.any(String),
          functionArn: FUNCTION_ARN,
          condition: 'RetryAttemptsExhausted',
          approximateInvokeCount: 3,
        },
        responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
        version: '1.0',
        timestamp: expect.any(String),
        KinesisBatchInfo: {
          shardId: SHARD,
          startSequenceNumber: records[0]?.sequenceNumber,
          endSequenceNumber: records[3]?.sequenceNumber,
          approximateArrivalOfFirstRecord: new Date(firstArrival).toISOString(),
          approximateArrivalOfLastRecord: new Date(firstArrival + 250).toISOString(),
          batchSize: 4,
          streamArn: STREAM_ARN,
        },
      },
    ]);
    expect((checkpoints as InMemoryCheckpoints).saved.map((saved) => saved.sequenceNumber)).toEqual([
      records[3]?.sequenceNumber,
      expect.any(String),
    ]);
    expect(source.stats()).toMatchObject({ retries: 2, functionErrors: 3, recordsToFailureDestination: 4 });
  });

  it('discards a batch that keeps failing by partial response once the retries are used up', async () => {
    // Prepare
    let records: ReturnType<InMemoryStream['put']> = [];
    const { stream, source, delivered, failures, recordsDone } = given({
      mapping: { MaximumRetryAttempts: 1 },
      handler: async () => ({ batchItemFailures: [{ itemIdentifier: records[1]?.sequenceNumber }] }),
    });
    records = stream.put(SHARD, names(0, 2));

    // Act
    await source.start();
    await until(recordsDone(3));

    // Assess
    expect(delivered.map((batch) => batch.payloads)).toEqual([names(0, 2), names(1, 2)]);
    expect(failures.records[0]?.KinesisBatchInfo).toMatchObject({
      startSequenceNumber: records[1]?.sequenceNumber,
      endSequenceNumber: records[2]?.sequenceNumber,
      batchSize: 2,
    });
    expect(failures.records[0]?.responseContext?.functionError).toBeUndefined();
  });

  it('retries forever when MaximumRetryAttempts is -1', async () => {
    // Prepare
    const { stream, source, delivered, failures, recordsDone } = given({
      mapping: { BisectBatchOnFunctionError: false, MaximumRetryAttempts: -1 },
      handler: async (_event, invocation) => {
        if (invocation.attempt <= 20) throw new Error('not yet');
      },
    });
    stream.put(SHARD, names(0, 1));

    // Act
    await source.start();
    await until(recordsDone(2));

    // Assess
    expect(delivered).toHaveLength(21);
    expect(failures.records).toHaveLength(0);
  });

  it('discards records older than MaximumRecordAgeInSeconds without invoking the function', async () => {
    // Prepare
    const clock = new ManualClock();
    const stream = new InMemoryStream(1, clock);
    const old = stream.put(SHARD, names(0, 1), clock.now() - 120_000);
    stream.put(SHARD, names(2, 3));
    const { source, delivered, failures, recordsDone } = given({
      stream,
      clock,
      mapping: { MaximumRecordAgeInSeconds: 60 },
    });

    // Act
    await source.start();
    await until(recordsDone(4));

    // Assess
    expect(delivered.map((batch) => batch.payloads)).toEqual([names(2, 3)]);
    expect(failures.records).toHaveLength(1);
    expect(failures.records[0]).toMatchObject({
      requestContext: { condition: 'RecordAgeExceeded', approximateInvokeCount: 0 },
      KinesisBatchInfo: {
        startSequenceNumber: old[0]?.sequenceNumber,
        endSequenceNumber: old[1]?.sequenceNumber,
      },
    });
    expect(failures.records[0]?.responseContext).toBeUndefined();
  });
});

describe('kinesis event source: checkpoints and reads', () => {
  let home: string | undefined;

  afterEach(async () => {
    if (home !== undefined) await rm(home, { recursive: true, force: true });
    home = undefined;
  });

  it('resumes after the persisted checkpoint on restart', async () => {
    // Prepare
    home = await mkdtemp(join(tmpdir(), 'ccb-esm-'));
    const path = join(home, 'checkpoints.json');
    const clock = new ManualClock();
    const stream = new InMemoryStream(2, clock);
    const first = given({ stream, clock, checkpoints: fileCheckpointStore(path) });
    const records = stream.put(SHARD, names(0, 2));
    await first.source.start();
    await until(first.recordsDone(3));
    await first.source.stop();
    stream.put(SHARD, names(3, 4));
    stream.iteratorRequests.length = 0;

    // Act
    const second = given({ stream, clock, checkpoints: fileCheckpointStore(path) });
    await second.source.start();
    await until(second.recordsDone(2));

    // Assess
    expect(second.delivered.flatMap((batch) => batch.payloads)).toEqual(names(3, 4));
    expect(stream.iteratorRequests).toEqual(
      expect.arrayContaining([
        {
          shardId: SHARD,
          position: { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: records[2]?.sequenceNumber },
        },
        { shardId: InMemoryStream.shardId(1), position: { type: 'TRIM_HORIZON' } },
      ]),
    );
    expect(await readdir(home)).toEqual(['checkpoints.json']);
  });

  it('keeps the checkpoints of every shard when they are saved at the same time', async () => {
    // Prepare
    home = await mkdtemp(join(tmpdir(), 'ccb-esm-'));
    const path = join(home, 'checkpoints.json');
    const store = fileCheckpointStore(path);

    // Act
    await Promise.all(
      Array.from({ length: 20 }, (_, index) => store.save(`shard-${index % 4}`, String(index))),
    );

    // Assess
    expect(Object.fromEntries(await fileCheckpointStore(path).load())).toEqual({
      'shard-0': '16',
      'shard-1': '17',
      'shard-2': '18',
      'shard-3': '19',
    });
    expect(await readdir(home)).toEqual(['checkpoints.json']);
  });

  it('re-acquires an expired iterator from the checkpoint without losing or repeating records', async () => {
    // Prepare
    const { stream, source, delivered, recordsDone } = given();
    stream.put(SHARD, names(0, 1));
    await source.start();
    await until(recordsDone(2));
    stream.failNextRead(new ExpiredIteratorError('Iterator expired'));
    stream.put(SHARD, names(2, 3));

    // Act
    await until(recordsDone(4));

    // Assess
    expect(delivered.flatMap((batch) => batch.payloads)).toEqual(names(0, 3));
    expect(stream.iteratorRequests.at(-1)?.position.type).toBe('AFTER_SEQUENCE_NUMBER');
    expect(source.stats().pollErrors).toBe(1);
  });

  it('backs off when reads are throttled and then carries on', async () => {
    // Prepare
    const { stream, source, delivered, clock, recordsDone } = given({ extra: { readBackoffMs: 1_000 } });
    stream.failNextRead(new ReadThrottledError('Rate exceeded for shard'));
    stream.put(SHARD, names(0, 1));
    const start = clock.now();

    // Act
    await source.start();
    await until(recordsDone(2));

    // Assess
    expect(delivered.flatMap((batch) => batch.payloads)).toEqual(names(0, 1));
    expect(delivered[0]?.at).toBeGreaterThanOrEqual(start + 1_000);
  });

  it('stops polling a closed shard once it has been read to the end', async () => {
    // Prepare
    const { stream, source, recordsDone } = given();
    stream.put(SHARD, names(0, 1));
    stream.close(SHARD);

    // Act
    await source.start();
    await until(recordsDone(2));
    await until(() => source.stats().shards[SHARD]?.state === 'ended');

    // Assess
    expect(source.stats().shards[SHARD]?.checkpoint).not.toBeNull();
  });

  it('rejects settings Lambda would reject', () => {
    const clock = new ManualClock();
    const ports = {
      reader: new InMemoryStream(1, clock),
      invoke: async () => undefined,
      checkpoints: new InMemoryCheckpoints(),
      failures: new InMemoryFailureDestination(),
    };
    const options = {
      streamArn: STREAM_ARN,
      region: 'us-east-1',
      functionArn: FUNCTION_ARN,
      invokeIdentityArn: ROLE_ARN,
    };
    expect(() => createKinesisEventSource(ports, { ...options, mapping: { BatchSize: 10_001 } })).toThrow(
      /BatchSize/,
    );
    expect(() =>
      createKinesisEventSource(ports, { ...options, mapping: { MaximumRecordAgeInSeconds: 10 } }),
    ).toThrow(/MaximumRecordAgeInSeconds/);
  });
});
