import { randomUUID } from 'node:crypto';
import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';

/**
 * A local stand-in for the Lambda event source mapping (ESM) between a Kinesis stream and a function.
 * It follows the documented contract of the AWS poller, shard by shard:
 * - records reach the function in sequence order, one invocation at a time per shard, shards in parallel;
 * - a batch is sent when it holds BatchSize records, when MaximumBatchingWindowInSeconds has passed since
 *   its first record was read, or when one more record would push the payload past Lambda's 6 MB limit;
 * - with ReportBatchItemFailures, the checkpoint moves to just before the failed record with the lowest
 *   sequence number and the rest is retried from there; an itemIdentifier that is empty, null or not in
 *   the batch fails the whole batch;
 * - a thrown error (a function error) with BisectBatchOnFunctionError splits the batch in two halves that
 *   are retried in order; splitting does not use up the retry quota;
 * - after MaximumRetryAttempts retries (-1: forever), or for records older than MaximumRecordAgeInSeconds,
 *   the batch's metadata goes to the on-failure destination and the checkpoint moves past it.
 * The checkpoint is saved after every batch outcome, and a restart resumes after it.
 */

/** A record as read from a shard. */
export interface StreamRecord {
  sequenceNumber: string;
  partitionKey: string;
  data: Uint8Array;
  approximateArrivalTimestamp: Date;
}

export type StartingPosition =
  | { type: 'TRIM_HORIZON' }
  | { type: 'AT_SEQUENCE_NUMBER' | 'AFTER_SEQUENCE_NUMBER'; sequenceNumber: string };

export interface ShardRead {
  records: StreamRecord[];
  /** Undefined once a closed shard has been read to its end. */
  nextIterator: string | undefined;
  millisBehindLatest: number;
}

/** The port over Kinesis GetShardIterator / GetRecords that the poller reads through. */
export interface ShardReader {
  listShards(): Promise<string[]>;
  iterator(shardId: string, position: StartingPosition): Promise<string>;
  read(iterator: string, limit: number): Promise<ShardRead>;
}

/** The iterator is older than five minutes (or unknown): get a new one from the checkpoint. */
export class ExpiredIteratorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ExpiredIteratorError';
  }
}

/** The shard's read limits were hit: back off before reading again. */
export class ReadThrottledError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ReadThrottledError';
  }
}

/** Where the last processed sequence number of each shard is kept between runs. */
export interface CheckpointStore {
  load(): Promise<Map<string, string>>;
  save(shardId: string, sequenceNumber: string): Promise<void>;
}

/** The metadata Lambda sends to an on-failure destination for a discarded Kinesis batch. */
export interface OnFailureRecord {
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetryAttemptsExhausted' | 'RecordAgeExceeded';
    approximateInvokeCount: number;
  };
  responseContext?: { statusCode: number; executedVersion: string; functionError?: string };
  version: '1.0';
  timestamp: string;
  KinesisBatchInfo: {
    shardId: string;
    startSequenceNumber: string;
    endSequenceNumber: string;
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    streamArn: string;
  };
}

export interface FailureDestination {
  send(record: OnFailureRecord): Promise<void>;
}

export interface Invocation {
  requestId: string;
  shardId: string;
  /** 1 for the first invocation of these records, 2 for the first retry, and so on. */
  attempt: number;
}

/** Calls the function; a rejection is a function error, the resolved value is the function's response. */
export type Invoke = (event: KinesisStreamEvent, invocation: Invocation) => Promise<unknown>;

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts. */
  sleep(ms: number, signal: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    }),
};

export interface EventSourceLog {
  warn(message: string, detail?: Record<string, unknown>): void;
  error(message: string, detail?: Record<string, unknown>): void;
}

/** The event source mapping settings, named as in CreateEventSourceMapping. */
export interface EventSourceMappingSettings {
  BatchSize: number;
  MaximumBatchingWindowInSeconds: number;
  MaximumRetryAttempts: number;
  MaximumRecordAgeInSeconds: number;
  BisectBatchOnFunctionError: boolean;
  ReportBatchItemFailures: boolean;
}

/** Local defaults: larger batches and a short window, so the emulator-bound pipeline folds big batches. */
export const DEFAULT_MAPPING: EventSourceMappingSettings = {
  BatchSize: 1000,
  MaximumBatchingWindowInSeconds: 1,
  MaximumRetryAttempts: 3,
  MaximumRecordAgeInSeconds: -1,
  BisectBatchOnFunctionError: true,
  ReportBatchItemFailures: true,
};

export interface EventSourceOptions {
  streamArn: string;
  region: string;
  functionArn: string;
  invokeIdentityArn: string;
  mapping?: Partial<EventSourceMappingSettings>;
  /** Delay between GetRecords calls on an idle shard; Lambda polls once a second, locally faster. */
  idlePollMs?: number;
  /** Delay before retrying a failed batch, multiplied by the attempt number (capped at 5 s). */
  retryBackoffMs?: number;
  /** Delay after a throttled or failed read before re-acquiring the iterator. */
  readBackoffMs?: number;
  /** Lambda's synchronous invocation payload limit. */
  maxPayloadBytes?: number;
}

export interface EventSourcePorts {
  reader: ShardReader;
  invoke: Invoke;
  checkpoints: CheckpointStore;
  failures: FailureDestination;
  clock?: Clock;
  log?: EventSourceLog;
}

export interface ShardStats {
  state: 'starting' | 'polling' | 'invoking' | 'retrying' | 'ended';
  checkpoint: string | null;
  millisBehindLatest: number;
  invocations: number;
  recordsDelivered: number;
  lastInvocationAt: string | null;
}

export interface EventSourceStats {
  invocations: number;
  /** Records handed to the function, counting a retried record each time it is sent. */
  recordsDelivered: number;
  /** Records whose outcome is final: processed, or discarded to the failure destination. */
  recordsCheckpointed: number;
  retries: number;
  bisects: number;
  functionErrors: number;
  partialBatchFailures: number;
  wholeBatchFailuresByResponse: number;
  recordsToFailureDestination: number;
  discardedBatches: number;
  /** Failed reads, checkpoint writes or destination writes; each one restarts the shard from its checkpoint. */
  pollErrors: number;
  shards: Record<string, ShardStats>;
}

export interface KinesisEventSource {
  /** Lists the shards, loads the checkpoints and starts one poller per shard; resolves once they run. */
  start(): Promise<void>;
  /** Lets the batches under way finish (their outcome is checkpointed), then stops polling. */
  stop(): Promise<void>;
  stats(): EventSourceStats;
  readonly mapping: EventSourceMappingSettings;
}

type BatchOutcome =
  | { kind: 'success' }
  | { kind: 'partial'; firstFailed: number }
  | { kind: 'batch-failure'; reason: string }
  | { kind: 'function-error'; error: unknown };

const SIX_MB = 6 * 1024 * 1024;
const MAX_GET_RECORDS = 10_000;

const validateMapping = (mapping: EventSourceMappingSettings): void => {
  const problems: string[] = [];
  if (!Number.isInteger(mapping.BatchSize) || mapping.BatchSize < 1 || mapping.BatchSize > 10_000) {
    problems.push('BatchSize must be an integer from 1 to 10000');
  }
  const window = mapping.MaximumBatchingWindowInSeconds;
  if (!Number.isFinite(window) || window < 0 || window > 300) {
    problems.push('MaximumBatchingWindowInSeconds must be from 0 to 300');
  }
  const retries = mapping.MaximumRetryAttempts;
  if (!Number.isInteger(retries) || retries < -1 || retries > 10_000) {
    problems.push('MaximumRetryAttempts must be an integer from -1 to 10000');
  }
  const age = mapping.MaximumRecordAgeInSeconds;
  if (!Number.isInteger(age) || (age !== -1 && (age < 60 || age > 604_800))) {
    problems.push('MaximumRecordAgeInSeconds must be -1 or an integer from 60 to 604800');
  }
  if (problems.length > 0) throw new RangeError(`invalid event source mapping: ${problems.join('; ')}`);
};

/** Lambda's own estimate is not public; this errs high so a batch never exceeds the real limit. */
const recordPayloadBytes = (record: StreamRecord, fixedOverhead: number): number =>
  Math.ceil(record.data.byteLength / 3) * 4 +
  record.partitionKey.length +
  2 * record.sequenceNumber.length +
  fixedOverhead;

const toLambdaRecord = (
  record: StreamRecord,
  shardId: string,
  options: EventSourceOptions,
): KinesisStreamRecord => ({
  kinesis: {
    kinesisSchemaVersion: '1.0',
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
    data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64'),
    approximateArrivalTimestamp: record.approximateArrivalTimestamp.getTime() / 1000,
  },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: `${shardId}:${record.sequenceNumber}`,
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: options.invokeIdentityArn,
  awsRegion: options.region,
  eventSourceARN: options.streamArn,
});

/**
 * Reads the function's response the way Lambda does with ReportBatchItemFailures: no response, or no or
 * an empty batchItemFailures list, is a success; an identifier that is not a sequence number of the batch
 * fails the whole batch; otherwise the lowest failed record is where the retry starts.
 */
export const interpretResponse = (response: unknown, batch: readonly StreamRecord[]): BatchOutcome => {
  if (response === null || typeof response !== 'object') return { kind: 'success' };
  const failures = (response as { batchItemFailures?: unknown }).batchItemFailures;
  if (failures === undefined || failures === null) return { kind: 'success' };
  if (!Array.isArray(failures)) return { kind: 'batch-failure', reason: 'batchItemFailures is not a list' };
  if (failures.length === 0) return { kind: 'success' };
  const positions = new Map(batch.map((record, index) => [record.sequenceNumber, index]));
  let firstFailed = Number.POSITIVE_INFINITY;
  for (const failure of failures) {
    const identifier =
      failure !== null && typeof failure === 'object'
        ? (failure as { itemIdentifier?: unknown }).itemIdentifier
        : undefined;
    const index = typeof identifier === 'string' && identifier !== '' ? positions.get(identifier) : undefined;
    if (index === undefined) {
      return {
        kind: 'batch-failure',
        reason: `invalid itemIdentifier ${JSON.stringify(identifier ?? null)}`,
      };
    }
    firstFailed = Math.min(firstFailed, index);
  }
  return { kind: 'partial', firstFailed };
};

const emptyShardStats = (checkpoint: string | undefined): ShardStats => ({
  state: 'starting',
  checkpoint: checkpoint ?? null,
  millisBehindLatest: 0,
  invocations: 0,
  recordsDelivered: 0,
  lastInvocationAt: null,
});

const silentLog: EventSourceLog = { warn: () => {}, error: () => {} };

/** Creates the poller; nothing is read until `start()`. */
export const createKinesisEventSource = (
  ports: EventSourcePorts,
  options: EventSourceOptions,
): KinesisEventSource => {
  const mapping: EventSourceMappingSettings = { ...DEFAULT_MAPPING, ...options.mapping };
  validateMapping(mapping);
  const clock = ports.clock ?? systemClock;
  const log = ports.log ?? silentLog;
  const idlePollMs = options.idlePollMs ?? 200;
  const retryBackoffMs = options.retryBackoffMs ?? 200;
  const readBackoffMs = options.readBackoffMs ?? 500;
  const maxPayloadBytes = options.maxPayloadBytes ?? SIX_MB;
  const windowMs = mapping.MaximumBatchingWindowInSeconds * 1000;
  const fixedOverhead = 300 + 2 * options.streamArn.length + options.invokeIdentityArn.length;

  const stopping = new AbortController();
  const loops: Promise<void>[] = [];
  const totals: Omit<EventSourceStats, 'shards'> = {
    invocations: 0,
    recordsDelivered: 0,
    recordsCheckpointed: 0,
    retries: 0,
    bisects: 0,
    functionErrors: 0,
    partialBatchFailures: 0,
    wholeBatchFailuresByResponse: 0,
    recordsToFailureDestination: 0,
    discardedBatches: 0,
    pollErrors: 0,
  };
  const shards: Record<string, ShardStats> = {};
  let started = false;

  const sleep = (ms: number) => clock.sleep(ms, stopping.signal);

  const commit = async (shardId: string, stats: ShardStats, records: readonly StreamRecord[]) => {
    const last = records.at(-1);
    if (last === undefined) return;
    await ports.checkpoints.save(shardId, last.sequenceNumber);
    stats.checkpoint = last.sequenceNumber;
    totals.recordsCheckpointed += records.length;
  };

  const discard = async (
    shardId: string,
    records: readonly StreamRecord[],
    failure: {
      condition: OnFailureRecord['requestContext']['condition'];
      requestId: string;
      invokeCount: number;
      functionError?: boolean;
    },
  ) => {
    const first = records[0];
    const last = records.at(-1);
    if (first === undefined || last === undefined) return;
    await ports.failures.send({
      requestContext: {
        requestId: failure.requestId,
        functionArn: options.functionArn,
        condition: failure.condition,
        approximateInvokeCount: failure.invokeCount,
      },
      ...(failure.invokeCount > 0 && {
        responseContext: {
          statusCode: 200,
          executedVersion: '$LATEST',
          ...(failure.functionError && { functionError: 'Unhandled' }),
        },
      }),
      version: '1.0',
      timestamp: new Date(clock.now()).toISOString(),
      KinesisBatchInfo: {
        shardId,
        startSequenceNumber: first.sequenceNumber,
        endSequenceNumber: last.sequenceNumber,
        approximateArrivalOfFirstRecord: first.approximateArrivalTimestamp.toISOString(),
        approximateArrivalOfLastRecord: last.approximateArrivalTimestamp.toISOString(),
        batchSize: records.length,
        streamArn: options.streamArn,
      },
    });
    totals.discardedBatches += 1;
    totals.recordsToFailureDestination += records.length;
    log.warn('records sent to the on-failure destination', {
      shardId,
      condition: failure.condition,
      startSequenceNumber: first.sequenceNumber,
      batchSize: records.length,
    });
  };

  const invokeOnce = async (
    shardId: string,
    stats: ShardStats,
    batch: readonly StreamRecord[],
    invocation: Invocation,
  ): Promise<BatchOutcome> => {
    const event: KinesisStreamEvent = {
      Records: batch.map((record) => toLambdaRecord(record, shardId, options)),
    };
    totals.invocations += 1;
    totals.recordsDelivered += batch.length;
    stats.invocations += 1;
    stats.recordsDelivered += batch.length;
    stats.lastInvocationAt = new Date(clock.now()).toISOString();
    let response: unknown;
    try {
      response = await ports.invoke(event, invocation);
    } catch (error) {
      totals.functionErrors += 1;
      log.warn('function error', { shardId, requestId: invocation.requestId, error: String(error) });
      return { kind: 'function-error', error };
    }
    if (!mapping.ReportBatchItemFailures) return { kind: 'success' };
    const outcome = interpretResponse(response, batch);
    if (outcome.kind === 'partial') totals.partialBatchFailures += 1;
    if (outcome.kind === 'batch-failure') {
      totals.wholeBatchFailuresByResponse += 1;
      log.warn('the response fails the whole batch', {
        shardId,
        requestId: invocation.requestId,
        reason: outcome.reason,
      });
    }
    return outcome;
  };

  /**
   * Delivers one batch until every record in it is checkpointed (processed or discarded), or until a stop
   * is requested, in which case the records not yet checkpointed are read again after a restart.
   */
  const deliver = async (shardId: string, stats: ShardStats, records: StreamRecord[]): Promise<void> => {
    const pending: StreamRecord[][] = [records];
    while (pending.length > 0) {
      let batch = pending.shift() ?? [];
      // Failed invocations of the batch's first record: a move of the checkpoint starts the count again.
      let failedAttempts = 0;
      while (batch.length > 0) {
        if (stopping.signal.aborted) return;
        if (mapping.MaximumRecordAgeInSeconds >= 0) {
          const oldest = clock.now() - mapping.MaximumRecordAgeInSeconds * 1000;
          const expired = batch.findIndex((record) => record.approximateArrivalTimestamp.getTime() >= oldest);
          const expiredCount = expired === -1 ? batch.length : expired;
          if (expiredCount > 0) {
            const discarded = batch.slice(0, expiredCount);
            await discard(shardId, discarded, {
              condition: 'RecordAgeExceeded',
              requestId: randomUUID(),
              invokeCount: 0,
            });
            await commit(shardId, stats, discarded);
            batch = batch.slice(expiredCount);
            failedAttempts = 0;
            continue;
          }
        }
        const requestId = randomUUID();
        stats.state = failedAttempts > 0 ? 'retrying' : 'invoking';
        const outcome = await invokeOnce(shardId, stats, batch, {
          requestId,
          shardId,
          attempt: failedAttempts + 1,
        });
        if (outcome.kind === 'success') {
          await commit(shardId, stats, batch);
          break;
        }
        if (outcome.kind === 'partial' && outcome.firstFailed > 0) {
          await commit(shardId, stats, batch.slice(0, outcome.firstFailed));
          batch = batch.slice(outcome.firstFailed);
          failedAttempts = 0;
        }
        if (outcome.kind === 'function-error' && mapping.BisectBatchOnFunctionError && batch.length > 1) {
          const middle = Math.ceil(batch.length / 2);
          pending.unshift(batch.slice(middle));
          batch = batch.slice(0, middle);
          failedAttempts = 0;
          totals.bisects += 1;
          continue;
        }
        failedAttempts += 1;
        if (mapping.MaximumRetryAttempts >= 0 && failedAttempts > mapping.MaximumRetryAttempts) {
          await discard(shardId, batch, {
            condition: 'RetryAttemptsExhausted',
            requestId,
            invokeCount: failedAttempts,
            functionError: outcome.kind === 'function-error',
          });
          await commit(shardId, stats, batch);
          break;
        }
        totals.retries += 1;
        await sleep(Math.min(retryBackoffMs * failedAttempts, 5_000));
      }
    }
  };

  /** Takes the next batch off the read-ahead buffer within BatchSize and the payload limit. */
  const takeBatch = (buffer: StreamRecord[]): StreamRecord[] => {
    let bytes = 0;
    let count = 0;
    for (const record of buffer) {
      if (count >= mapping.BatchSize) break;
      const size = recordPayloadBytes(record, fixedOverhead);
      if (count > 0 && bytes + size > maxPayloadBytes) break;
      bytes += size;
      count += 1;
    }
    return buffer.splice(0, count);
  };

  const pollShard = async (shardId: string, stats: ShardStats): Promise<void> => {
    let iterator: string | undefined;
    let ended = false;
    let buffer: StreamRecord[] = [];
    let bufferStartedAt = 0;
    while (!stopping.signal.aborted) {
      try {
        if (iterator === undefined && !ended) {
          const position: StartingPosition =
            stats.checkpoint === null
              ? { type: 'TRIM_HORIZON' }
              : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: stats.checkpoint };
          iterator = await ports.reader.iterator(shardId, position);
        }
        stats.state = 'polling';
        while (
          !stopping.signal.aborted &&
          !ended &&
          iterator !== undefined &&
          buffer.length < mapping.BatchSize
        ) {
          const windowLeft =
            buffer.length === 0 ? Number.POSITIVE_INFINITY : bufferStartedAt + windowMs - clock.now();
          if (windowLeft <= 0) break;
          const read = await ports.reader.read(
            iterator,
            Math.min(MAX_GET_RECORDS, mapping.BatchSize - buffer.length),
          );
          stats.millisBehindLatest = read.millisBehindLatest;
          iterator = read.nextIterator;
          if (iterator === undefined) ended = true;
          if (read.records.length > 0) {
            if (buffer.length === 0) bufferStartedAt = clock.now();
            buffer.push(...read.records);
            continue;
          }
          await sleep(Math.min(idlePollMs, windowLeft));
        }
        if (stopping.signal.aborted) return;
        if (buffer.length === 0) {
          if (ended) {
            stats.state = 'ended';
            return;
          }
          continue;
        }
        // Records left over by the payload limit keep their window start: they have waited already.
        await deliver(shardId, stats, takeBatch(buffer));
      } catch (error) {
        // Re-reading from the checkpoint is always safe: the buffer holds nothing that was checkpointed.
        totals.pollErrors += 1;
        buffer = [];
        iterator = undefined;
        ended = false;
        if (error instanceof ExpiredIteratorError) {
          log.warn('shard iterator expired; re-acquiring it from the checkpoint', { shardId });
          continue;
        }
        if (error instanceof ReadThrottledError) log.warn('read throttled; backing off', { shardId });
        else
          log.error('shard poller failed; retrying from the checkpoint', { shardId, error: String(error) });
        await sleep(readBackoffMs);
      }
    }
  };

  return {
    mapping,
    async start() {
      if (started) throw new Error('the event source is already started');
      started = true;
      const [shardIds, checkpoints] = await Promise.all([
        ports.reader.listShards(),
        ports.checkpoints.load(),
      ]);
      for (const shardId of shardIds) {
        const stats = emptyShardStats(checkpoints.get(shardId));
        shards[shardId] = stats;
        loops.push(pollShard(shardId, stats));
      }
    },
    async stop() {
      stopping.abort();
      await Promise.all(loops);
    },
    stats: () => ({
      ...totals,
      shards: Object.fromEntries(Object.entries(shards).map(([shardId, stats]) => [shardId, { ...stats }])),
    }),
  };
};
