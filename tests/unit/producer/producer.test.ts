import { KinesisClient } from '@aws-sdk/client-kinesis';
import { jest } from '@jest/globals';
import {
  type CostEventProducerOptions,
  createCostEventProducer,
  type KinesisPort,
  MiB,
  ProducerCallbackError,
  ProducerConfigError,
  type ProducerStats,
  type RejectedEvent,
} from '../../../producer';
import {
  type Decide,
  fakeKinesis,
  parseSeq,
  type SentRecord,
  serviceError,
  type TestEvent,
} from './fake-kinesis';

const events = (count: number, session = (seq: number) => `sess-${seq}`): TestEvent[] =>
  Array.from({ length: count }, (_, seq) => ({ session_id: session(seq), seq }));

/**
 * A producer with one lane, instant recorded sleeps, a fixed jitter draw of 0.5, and a linger long
 * enough that only a full request or flush() sends: batches do not depend on the machine's speed.
 */
const setup = (decide?: Decide, options: Partial<CostEventProducerOptions> = {}) => {
  const kinesis = fakeKinesis(decide);
  const sleeps: number[] = [];
  const rejections: RejectedEvent[] = [];
  const producer = createCostEventProducer({
    kinesis,
    streamName: 'ccb-test-cost-events',
    maxInFlight: 1,
    lingerMs: 60_000,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onRejected: (rejected) => rejections.push(rejected),
    ...options,
  });
  return { kinesis, producer, sleeps, rejections };
};

const seqs = (records: SentRecord[]): number[] => records.map(parseSeq);

describe('batching', () => {
  it('sends at most 500 records per PutRecords request', async () => {
    // Prepare
    const { kinesis, producer } = setup();

    // Act
    await producer.putMany(events(1_201));
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests.map((request) => request.length)).toEqual([500, 500, 201]);
    expect(stats).toMatchObject({
      accepted: 1_201,
      sent: 1_201,
      rejected: 0,
      retries: 0,
      batches: 3,
      pending: 0,
    });
  });

  it('keeps every request within 5 MiB counting data and partition keys', async () => {
    // Prepare: ~100 KiB events, so about 51 fit in a request
    const { kinesis, producer } = setup();
    const pad = 'x'.repeat(100 * 1024);

    // Act
    await producer.putMany(events(130).map((event) => ({ ...event, pad })));
    const stats = await producer.flush();

    // Assess
    const sizes = kinesis.requests.map((request) => request.reduce((sum, record) => sum + record.size, 0));
    expect(sizes.every((size) => size <= 5 * MiB)).toBe(true);
    const recordSize = kinesis.requests[0]?.[0]?.size ?? 0;
    // a request is only cut when the next record would not fit
    expect(sizes[0]).toBeGreaterThan(5 * MiB - recordSize);
    expect(kinesis.requests.map((request) => request.length)).toEqual([51, 51, 28]);
    expect(stats.sent).toBe(130);
  });

  it('rejects a record over 1 MiB without sending it and sends one of exactly 1 MiB', async () => {
    // Prepare: data + key bytes of the second event is exactly 1 MiB
    const { kinesis, producer, rejections } = setup();
    const key = 'sess-fit';
    const skeleton = JSON.stringify({ session_id: key, seq: 1, pad: '' });
    const fits = { session_id: key, seq: 1, pad: 'y'.repeat(MiB - skeleton.length - key.length) };
    const tooLarge = { session_id: 'sess-big', seq: 0, pad: 'x'.repeat(MiB) };

    // Act
    await producer.putMany([tooLarge, fits]);
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests).toHaveLength(1);
    expect(kinesis.requests[0]?.map((record) => record.size)).toEqual([MiB]);
    expect(stats).toMatchObject({ sent: 1, rejected: 1, rejectedByReason: { record_too_large: 1 } });
    expect(rejections).toEqual([{ event: tooLarge, reason: 'record_too_large', attempts: 0 }]);
  });

  it('rejects an event that cannot be serialised instead of throwing', async () => {
    // Prepare
    const { kinesis, producer } = setup();
    const circular: Record<string, unknown> = { session_id: 'sess-1' };
    circular.self = circular;

    // Act
    await producer.put(circular);
    await producer.put({ session_id: 'sess-1', tokens: 10n } as object);
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests).toHaveLength(0);
    expect(stats.rejectedByReason).toEqual({ unserialisable: 2 });
  });

  it('sends a partial batch once it has lingered, without a flush', async () => {
    // Prepare: mocked timers (and performance.now), so lingering is the clock moving, not the machine's pace
    jest.useFakeTimers();
    try {
      const { kinesis, producer } = setup(undefined, { lingerMs: 5 });

      // Act
      await producer.putMany(events(3));
      await jest.advanceTimersByTimeAsync(4);
      const beforeLinger = kinesis.requests.length;
      await jest.advanceTimersByTimeAsync(1);

      // Assess
      expect(beforeLinger).toBe(0);
      expect(kinesis.requests.map((request) => request.length)).toEqual([3]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('sends pre-serialised lines byte for byte and skips nothing that is not JSON', async () => {
    // Prepare
    const { kinesis, producer } = setup();
    const lines = [
      '{"session_id":"sess-a","seq":1}',
      'this is not json',
      '{"session_id": "sess-a" ,"seq":2}',
    ];

    // Act
    await producer.putMany(lines);
    await producer.flush();

    // Assess
    expect(kinesis.stored.map((record) => record.data).sort()).toEqual([...lines].sort());
  });
});

describe('partition keys', () => {
  it('uses the session id, and a payload hash for lines that are not JSON objects', async () => {
    // Prepare
    const { kinesis, producer } = setup(undefined, { ordering: 'relaxed' });

    // Act
    await producer.putMany([
      { session_id: 'sess-1', seq: 0 },
      '{"session_id":"sess-2","seq":1}',
      'not json',
      'not json',
      '[1,2,3]',
      { seq: 5 },
      { session_id: 's'.repeat(300), seq: 6 },
      { session_id: 's'.repeat(300), seq: 7 },
    ]);
    await producer.flush();

    // Assess
    const keys = kinesis.stored.map((record) => record.partitionKey);
    expect(keys.slice(0, 2)).toEqual(['sess-1', 'sess-2']);
    expect(keys[2]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[3]).toBe(keys[2]);
    expect(keys[4]).toMatch(/^[0-9a-f]{32}$/);
    expect(keys[4]).not.toBe(keys[2]);
    expect(keys[5]).toMatch(/^[0-9a-f]{32}$/);
    // a session id too long for Kinesis still keys all of its session's records alike
    expect(keys[6]).toHaveLength(32);
    expect(keys[7]).toBe(keys[6]);
  });

  it('takes a custom partition key when one is given', async () => {
    // Prepare
    const { kinesis, producer } = setup(undefined, { partitionKey: () => 'tenant-7' });

    // Act
    await producer.put({ session_id: 'sess-1' });
    await producer.flush();

    // Assess
    expect(kinesis.stored[0]?.partitionKey).toBe('tenant-7');
  });
});

describe('retries', () => {
  it('retries only the failed records, in their original order, after a jittered backoff', async () => {
    // Prepare: records 1 and 3 of the first request fail
    const { kinesis, producer, sleeps } = setup((_, request) =>
      request === 0
        ? [undefined, 'ProvisionedThroughputExceededException', undefined, 'InternalFailure']
        : [],
    );

    // Act
    await producer.putMany(events(5));
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests.map(seqs)).toEqual([
      [0, 1, 2, 3, 4],
      [1, 3],
    ]);
    expect(sleeps).toEqual([50]);
    expect(stats).toMatchObject({ sent: 5, rejected: 0, retries: 2, batches: 2 });
  });

  it('backs off exponentially with full jitter up to the ceiling', async () => {
    // Prepare: the record fails four times, then succeeds
    const { producer, sleeps } = setup(
      (records, request) => (request < 4 ? records.map(() => 'InternalFailure') : []),
      {
        baseDelayMs: 100,
        maxDelayMs: 500,
        random: () => 0.999,
      },
    );

    // Act
    await producer.put({ session_id: 'sess-1', seq: 0 });
    const stats = await producer.flush();

    // Assess: ceilings 100, 200, 400, then capped at 500
    expect(sleeps).toEqual([99, 199, 399, 499]);
    expect(stats).toMatchObject({ sent: 1, retries: 4, batches: 5 });
  });

  it('gives up after maxAttempts and counts the record rejected with its error code', async () => {
    // Prepare: record 0 is always throttled
    const { kinesis, producer, sleeps, rejections } = setup(
      (records) =>
        records.map((record) =>
          parseSeq(record) === 0 ? 'ProvisionedThroughputExceededException' : undefined,
        ),
      { maxAttempts: 3 },
    );

    // Act
    await producer.putMany(events(3));
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests.map(seqs)).toEqual([[0, 1, 2], [0], [0]]);
    expect(sleeps).toEqual([50, 100]);
    expect(stats).toMatchObject({
      sent: 2,
      rejected: 1,
      retries: 2,
      batches: 3,
      pending: 0,
      rejectedByReason: { ProvisionedThroughputExceededException: 1 },
    });
    expect(rejections).toEqual([
      {
        event: { session_id: 'sess-0', seq: 0 },
        reason: 'ProvisionedThroughputExceededException',
        attempts: 3,
      },
    ]);
  });

  it('does not retry a per-record error that cannot succeed', async () => {
    // Prepare
    const { kinesis, producer } = setup((_, request) => (request === 0 ? ['KMSAccessDeniedException'] : []));

    // Act
    await producer.put({ session_id: 'sess-1', seq: 0 });
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests).toHaveLength(1);
    expect(stats.rejectedByReason).toEqual({ KMSAccessDeniedException: 1 });
  });

  it('retries a whole request that failed with a retryable error', async () => {
    // Prepare
    const { kinesis, producer, sleeps } = setup((_, request) =>
      request === 0 ? serviceError('ProvisionedThroughputExceededException') : [],
    );

    // Act
    await producer.putMany(events(3));
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests.map(seqs)).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(sleeps).toEqual([50]);
    expect(stats).toMatchObject({ sent: 3, rejected: 0, retries: 3, batches: 2 });
  });

  it.each([
    ['a 5xx', serviceError('SomethingBroke', 503)],
    ['a dropped connection', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an SDK-retryable error', Object.assign(serviceError('Whatever'), { $retryable: {} })],
  ])('treats %s as retryable', async (_, error) => {
    // Prepare
    const { producer } = setup((_, request) => (request === 0 ? error : []));

    // Act
    await producer.put({ session_id: 'sess-1', seq: 0 });
    const stats = await producer.flush();

    // Assess
    expect(stats).toMatchObject({ sent: 1, retries: 1 });
  });

  it('rejects the whole request on a permanent error without retrying', async () => {
    // Prepare
    const { kinesis, producer, sleeps } = setup(() => serviceError('ResourceNotFoundException'));

    // Act
    await producer.putMany(events(4));
    const stats = await producer.flush();

    // Assess
    expect(kinesis.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(stats).toMatchObject({ sent: 0, rejected: 4, rejectedByReason: { ResourceNotFoundException: 4 } });
  });
});

describe('ordering and concurrency', () => {
  const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('keeps up to maxInFlight requests in flight', async () => {
    // Prepare
    let inFlight = 0;
    let peak = 0;
    const { producer } = setup(
      async (records) => {
        inFlight++;
        peak = Math.max(peak, inFlight);
        await delay(5);
        inFlight--;
        return records.map(() => undefined);
      },
      { maxInFlight: 4, limits: { maxRecordsPerRequest: 10 } },
    );

    // Act
    await producer.putMany(events(400));
    const stats = await producer.flush();

    // Assess
    expect(peak).toBe(4);
    expect(stats.sent).toBe(400);
  });

  it('never lets a session overtake itself, even when its records fail and are retried', async () => {
    // Prepare: 20 sessions, random latency, every third record of each request throttled once
    const throttled = new Set<number>();
    const { kinesis, producer } = setup(
      async (records, request) => {
        await delay(request % 3);
        return records.map((record) => {
          const seq = parseSeq(record);
          if (seq % 3 !== 0 || throttled.has(seq)) return undefined;
          throttled.add(seq);
          return 'ProvisionedThroughputExceededException';
        });
      },
      { maxInFlight: 4, limits: { maxRecordsPerRequest: 25 } },
    );
    const input = events(600, (seq) => `sess-${seq % 20}`);

    // Act
    await producer.putMany(input);
    const stats = await producer.flush();

    // Assess
    expect(stats).toMatchObject({ sent: 600, rejected: 0, retries: 200 });
    const bySession = new Map<string, number[]>();
    for (const record of kinesis.stored) {
      bySession.set(record.partitionKey, [...(bySession.get(record.partitionKey) ?? []), parseSeq(record)]);
    }
    expect(bySession.size).toBe(20);
    for (const order of bySession.values()) expect(order).toEqual([...order].sort((a, b) => a - b));
    // strict ordering: one record per session per request
    for (const request of kinesis.requests) {
      expect(new Set(request.map((record) => record.partitionKey)).size).toBe(request.length);
    }
  });

  it('packs a session into one request in order in relaxed mode', async () => {
    // Prepare
    const { kinesis, producer } = setup(undefined, { ordering: 'relaxed' });

    // Act
    await producer.putMany(events(10, () => 'sess-1'));
    await producer.flush();

    // Assess
    expect(kinesis.requests.map(seqs)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]);
  });

  it('waits for room when the buffer is full', async () => {
    // Prepare
    let maxPending = 0;
    const { producer } = setup(
      async (records) => {
        await delay(1);
        return records.map(() => undefined);
      },
      { maxBufferedRecords: 20, limits: { maxRecordsPerRequest: 8 }, maxInFlight: 2 },
    );

    // Act
    await producer.putMany(
      (async function* () {
        for (const event of events(200)) {
          maxPending = Math.max(maxPending, producer.stats().pending);
          yield event;
        }
      })(),
    );
    const stats = await producer.flush();

    // Assess
    expect(maxPending).toBeLessThanOrEqual(20);
    expect(stats.sent).toBe(200);
  });
});

describe('callbacks and configuration', () => {
  it('reports progress after every request', async () => {
    // Prepare
    const progress: ProducerStats[] = [];
    const { producer } = setup(undefined, { onProgress: (stats) => progress.push(stats) });

    // Act
    await producer.putMany(events(1_000));
    await producer.flush();

    // Assess
    expect(progress.map((stats) => stats.sent)).toEqual([500, 1_000, 1_000]);
  });

  it('sends everything even when a callback throws, then reports the error from flush', async () => {
    // Prepare
    const { kinesis, producer } = setup(undefined, {
      onProgress: () => {
        throw new Error('dashboard down');
      },
    });

    // Act
    await producer.putMany(events(3));
    const flushing = producer.flush();

    // Assess
    await expect(flushing).rejects.toBeInstanceOf(ProducerCallbackError);
    expect(kinesis.stored).toHaveLength(3);
  });

  it.each([
    [{ maxInFlight: 0 }],
    [{ maxAttempts: 1.5 }],
    [{ lingerMs: -1 }],
    [{ limits: { maxRecordBytes: 6 * MiB } }],
    [{ streamName: '' }],
  ])('rejects the invalid configuration %j', (override) => {
    expect(() => createCostEventProducer({ kinesis: fakeKinesis(), streamName: 's', ...override })).toThrow(
      ProducerConfigError,
    );
  });

  it('accepts a real KinesisClient as its port', () => {
    const port: KinesisPort = new KinesisClient({ region: 'us-east-1' });
    expect(() => createCostEventProducer({ kinesis: port, streamName: 's' })).not.toThrow();
  });
});
