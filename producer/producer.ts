import { PutRecordsCommand, type PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import { type CostEventInput, DEFAULT_LIMITS, encodeRecord, laneOf, type RecordLimits } from './records';
import {
  fullJitterDelay,
  isRetryableRecordError,
  isRetryableRequestError,
  requestErrorReason,
} from './retry';

/** The one Kinesis call the producer makes; a `KinesisClient` satisfies it, tests pass a fake. */
export interface KinesisPort {
  send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput>;
}

/**
 * How strictly one partition key's records are kept in order.
 * - `strict`: at most one record per key in a request, and a key's next record is only sent after
 *   the previous one was acknowledged, so a retried record is never overtaken, even by a later
 *   record of its own request.
 * - `relaxed`: a key's records share a request in order; when an earlier one fails and a later
 *   one succeeds, the retry lands after it. Fuller requests when one session floods the producer.
 */
export type Ordering = 'strict' | 'relaxed';

export interface ProducerStats {
  /** Events handed to put/putMany. */
  accepted: number;
  /** Records Kinesis acknowledged. */
  sent: number;
  /** Records given up on: too large, unserialisable, permanent errors, attempts exhausted. */
  rejected: number;
  /** Record re-sends after a partial failure or a retryable request error. */
  retries: number;
  /** PutRecords requests made, retries included. */
  batches: number;
  /** Data plus partition key bytes of the records acknowledged. */
  bytesSent: number;
  /** Accepted records neither sent nor rejected yet. */
  pending: number;
  rejectedByReason: Record<string, number>;
}

export interface RejectedEvent {
  event: CostEventInput;
  /** `record_too_large`, `unserialisable`, or the Kinesis error code of the last attempt. */
  reason: string;
  /** PutRecords attempts made for it (0 when it was rejected before sending). */
  attempts: number;
}

export interface CostEventProducerOptions {
  kinesis: KinesisPort;
  streamName: string;
  /** PutRecords requests in flight at once; also the number of send lanes. Default 4. */
  maxInFlight?: number;
  /** Attempts per record, the first one included. Default 8. */
  maxAttempts?: number;
  /** Backoff ceiling for the first retry, doubled per retry. Default 100 ms. */
  baseDelayMs?: number;
  /** Upper bound of the backoff ceiling. Default 5,000 ms. */
  maxDelayMs?: number;
  /** How long a partial batch waits for more records before it is sent anyway. Default 50 ms. */
  lingerMs?: number;
  /** Records held before put() starts waiting for room (backpressure). Default 10,000. */
  maxBufferedRecords?: number;
  limits?: Partial<RecordLimits>;
  /** Default `strict`. */
  ordering?: Ordering;
  /** Overrides the session_id partition key; return undefined to fall back to the default. */
  partitionKey?: (event: CostEventInput) => string | undefined;
  /** Source of jitter in [0, 1). Default Math.random. */
  random?: () => number;
  /** Waits between retries. Default a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Called after every PutRecords request and at the end of each flush. Must not throw. */
  onProgress?: (stats: ProducerStats) => void;
  /** Called once for every rejected record, so a caller can dead-letter it. Must not throw. */
  onRejected?: (rejected: RejectedEvent) => void;
}

export interface CostEventProducer {
  /**
   * Buffers one event. Resolves as soon as it is buffered, which is at once unless the buffer is
   * full; await it to get backpressure. Never rejects: a record that cannot be sent is counted.
   */
  put(event: CostEventInput): Promise<void>;
  /** Buffers events in order, waiting for room when the buffer is full. */
  putMany(events: Iterable<CostEventInput> | AsyncIterable<CostEventInput>): Promise<void>;
  /**
   * Sends everything buffered, retries included, and resolves with the stats once every accepted
   * record is sent or rejected. Call it before the process exits: buffered records are in memory.
   * Rejects with ProducerCallbackError if onProgress or onRejected threw (after sending).
   */
  flush(): Promise<ProducerStats>;
  /** A snapshot of the counters. */
  stats(): ProducerStats;
}

export class ProducerConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProducerConfigError';
  }
}

export class ProducerCallbackError extends Error {
  constructor(cause: unknown) {
    super('a producer callback (onProgress, onRejected or sleep) threw', { cause });
    this.name = 'ProducerCallbackError';
  }
}

interface PendingRecord {
  event: CostEventInput;
  data: Uint8Array;
  partitionKey: string;
  size: number;
  attempts: number;
  lastError: string;
  enqueuedAt: number;
}

/** One send lane: its records go out one request at a time, so they cannot overtake each other. */
interface Lane {
  queue: PendingRecord[];
  head: number;
  queuedBytes: number;
  /** Records of the last request that failed transiently; they lead the next request. */
  retry: PendingRecord[];
  busy: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;
  lingerElapsed: boolean;
}

const RESOLVED: Promise<void> = Promise.resolve();

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const requirePositiveInteger = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value < 1)
    throw new ProducerConfigError(`${name} must be a positive integer`);
  return value;
};

const requireNonNegative = (name: string, value: number): number => {
  if (!Number.isFinite(value) || value < 0) throw new ProducerConfigError(`${name} must be >= 0`);
  return value;
};

class KinesisCostEventProducer implements CostEventProducer {
  readonly #kinesis: KinesisPort;
  readonly #streamName: string;
  readonly #maxAttempts: number;
  readonly #backoff: { baseDelayMs: number; maxDelayMs: number };
  readonly #lingerMs: number;
  readonly #maxBuffered: number;
  readonly #limits: RecordLimits;
  readonly #strict: boolean;
  readonly #partitionKey: ((event: CostEventInput) => string | undefined) | undefined;
  readonly #random: () => number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #onProgress: ((stats: ProducerStats) => void) | undefined;
  readonly #onRejected: ((rejected: RejectedEvent) => void) | undefined;
  readonly #lanes: Lane[];

  #buffered = 0;
  #flushing = 0;
  #callbackError: { error: unknown } | undefined;
  readonly #waiters: (() => void)[] = [];
  readonly #counts = { accepted: 0, sent: 0, rejected: 0, retries: 0, batches: 0, bytesSent: 0 };
  readonly #rejectedByReason: Record<string, number> = {};

  constructor(options: CostEventProducerOptions) {
    if (!options.streamName) throw new ProducerConfigError('streamName is required');
    this.#kinesis = options.kinesis;
    this.#streamName = options.streamName;
    this.#maxAttempts = requirePositiveInteger('maxAttempts', options.maxAttempts ?? 8);
    this.#backoff = {
      baseDelayMs: requireNonNegative('baseDelayMs', options.baseDelayMs ?? 100),
      maxDelayMs: requireNonNegative('maxDelayMs', options.maxDelayMs ?? 5_000),
    };
    this.#lingerMs = requireNonNegative('lingerMs', options.lingerMs ?? 50);
    this.#maxBuffered = requirePositiveInteger('maxBufferedRecords', options.maxBufferedRecords ?? 10_000);
    const limits = { ...DEFAULT_LIMITS, ...options.limits };
    requirePositiveInteger('limits.maxRecordsPerRequest', limits.maxRecordsPerRequest);
    requirePositiveInteger('limits.maxRequestBytes', limits.maxRequestBytes);
    requirePositiveInteger('limits.maxRecordBytes', limits.maxRecordBytes);
    if (limits.maxRecordBytes > limits.maxRequestBytes) {
      throw new ProducerConfigError('limits.maxRecordBytes must not exceed limits.maxRequestBytes');
    }
    this.#limits = limits;
    this.#strict = (options.ordering ?? 'strict') === 'strict';
    this.#partitionKey = options.partitionKey;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? defaultSleep;
    this.#onProgress = options.onProgress;
    this.#onRejected = options.onRejected;
    const lanes = requirePositiveInteger('maxInFlight', options.maxInFlight ?? 4);
    this.#lanes = Array.from({ length: lanes }, () => ({
      queue: [],
      head: 0,
      queuedBytes: 0,
      retry: [],
      busy: undefined,
      timer: undefined,
      lingerElapsed: false,
    }));
  }

  put(event: CostEventInput): Promise<void> {
    return this.#offer(event) ?? RESOLVED;
  }

  async putMany(events: Iterable<CostEventInput> | AsyncIterable<CostEventInput>): Promise<void> {
    if (Symbol.asyncIterator in events) {
      for await (const event of events) await this.#offer(event);
      return;
    }
    // A synchronous source is buffered without a microtask per event: both faster and
    // deterministic (batches depend only on the events, not on how promises interleave).
    for (const event of events) {
      const waiting = this.#offer(event);
      if (waiting) await waiting;
    }
  }

  async flush(): Promise<ProducerStats> {
    this.#flushing++;
    try {
      for (;;) {
        for (const lane of this.#lanes) this.#pump(lane);
        const busy = this.#lanes.flatMap((lane) => (lane.busy ? [lane.busy] : []));
        if (busy.length === 0) break;
        await Promise.all(busy);
      }
    } finally {
      this.#flushing--;
    }
    this.#notifyProgress();
    if (this.#callbackError) {
      const { error } = this.#callbackError;
      this.#callbackError = undefined;
      throw new ProducerCallbackError(error);
    }
    return this.stats();
  }

  stats(): ProducerStats {
    return {
      ...this.#counts,
      pending: this.#buffered + this.#waiters.length,
      rejectedByReason: { ...this.#rejectedByReason },
    };
  }

  /** Buffers the event; returns a promise only when the caller has to wait for room. */
  #offer(event: CostEventInput): Promise<void> | undefined {
    this.#counts.accepted++;
    const encoded = encodeRecord(event, this.#limits.maxRecordBytes, this.#partitionKey);
    if (!encoded.ok) {
      this.#countRejected(event, encoded.reason, 0);
      return undefined;
    }
    const record: PendingRecord = {
      event,
      ...encoded.record,
      attempts: 0,
      lastError: '',
      enqueuedAt: 0,
    };
    if (this.#waiters.length === 0 && this.#buffered < this.#maxBuffered) {
      this.#enqueue(record);
      return undefined;
    }
    const waiting = new Promise<void>((resolve) => {
      this.#waiters.push(() => {
        this.#enqueue(record);
        resolve();
      });
    });
    // A full buffer makes every lane due at once rather than after its linger.
    for (const lane of this.#lanes) this.#pump(lane);
    return waiting;
  }

  #enqueue(record: PendingRecord): void {
    const lane = this.#lanes[laneOf(record.partitionKey, this.#lanes.length)] as Lane;
    record.enqueuedAt = performance.now();
    lane.queue.push(record);
    lane.queuedBytes += record.size;
    this.#buffered++;
    this.#pump(lane);
  }

  #queued(lane: Lane): number {
    return lane.queue.length - lane.head;
  }

  #isDue(lane: Lane): boolean {
    if (lane.retry.length > 0 || this.#flushing > 0 || this.#waiters.length > 0 || lane.lingerElapsed)
      return true;
    if (this.#queued(lane) >= this.#limits.maxRecordsPerRequest) return true;
    if (lane.queuedBytes >= this.#limits.maxRequestBytes) return true;
    const oldest = lane.queue[lane.head];
    return oldest !== undefined && performance.now() - oldest.enqueuedAt >= this.#lingerMs;
  }

  #pump(lane: Lane): void {
    if (lane.busy) return;
    if (lane.retry.length === 0 && this.#queued(lane) === 0) return;
    if (!this.#isDue(lane)) {
      this.#armLinger(lane);
      return;
    }
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    lane.lingerElapsed = false;
    lane.busy = this.#send(lane).then(
      () => this.#afterSend(lane),
      (error: unknown) => {
        this.#callbackError ??= { error };
        this.#afterSend(lane);
      },
    );
  }

  #armLinger(lane: Lane): void {
    if (lane.timer) return;
    const oldest = lane.queue[lane.head];
    const waited = oldest ? performance.now() - oldest.enqueuedAt : 0;
    lane.timer = setTimeout(
      () => {
        lane.timer = undefined;
        lane.lingerElapsed = true;
        this.#pump(lane);
      },
      Math.max(0, this.#lingerMs - waited),
    );
    // A producer that is never flushed must not keep its process alive.
    lane.timer.unref();
  }

  #afterSend(lane: Lane): void {
    lane.busy = undefined;
    this.#notifyProgress();
    this.#pump(lane);
  }

  /** Takes the next request's records: retries first, then queued records, within the limits. */
  #takeBatch(lane: Lane): PendingRecord[] {
    const { maxRecordsPerRequest, maxRequestBytes } = this.#limits;
    const batch = lane.retry;
    lane.retry = [];
    let bytes = batch.reduce((sum, record) => sum + record.size, 0);
    const keys = this.#strict ? new Set(batch.map((record) => record.partitionKey)) : undefined;
    const deferred: PendingRecord[] = [];
    // Bounds the strict-mode scan past a session that fills the lane on its own.
    const scanEnd = Math.min(lane.queue.length, lane.head + maxRecordsPerRequest * 4);
    let index = lane.head;
    while (index < scanEnd && batch.length < maxRecordsPerRequest) {
      const record = lane.queue[index] as PendingRecord;
      if (keys?.has(record.partitionKey)) {
        deferred.push(record);
        index++;
        continue;
      }
      if (bytes + record.size > maxRequestBytes) break;
      keys?.add(record.partitionKey);
      batch.push(record);
      bytes += record.size;
      lane.queuedBytes -= record.size;
      index++;
    }
    // Deferred records go back to the front in their original order.
    lane.head = index - deferred.length;
    deferred.forEach((record, offset) => {
      lane.queue[lane.head + offset] = record;
    });
    if (lane.head > 4_096 && lane.head * 2 > lane.queue.length) {
      lane.queue = lane.queue.slice(lane.head);
      lane.head = 0;
    }
    return batch;
  }

  async #send(lane: Lane): Promise<void> {
    if (lane.retry.length > 0) {
      const retryNumber = lane.retry.reduce((most, record) => Math.max(most, record.attempts), 0);
      try {
        await this.#sleep(fullJitterDelay(retryNumber, this.#backoff, this.#random));
      } catch (error) {
        // A broken injected sleep is reported by flush(); the retry goes ahead rather than loop.
        this.#callbackError ??= { error };
      }
    }
    const batch = this.#takeBatch(lane);
    if (batch.length === 0) return;
    for (const record of batch) record.attempts++;
    this.#counts.batches++;

    let output: PutRecordsCommandOutput;
    try {
      output = await this.#kinesis.send(
        new PutRecordsCommand({
          StreamName: this.#streamName,
          Records: batch.map((record) => ({ Data: record.data, PartitionKey: record.partitionKey })),
        }),
      );
    } catch (error) {
      const reason = requestErrorReason(error);
      for (const record of batch) record.lastError = reason;
      if (isRetryableRequestError(error)) {
        this.#retryOrReject(lane, batch);
      } else {
        for (const record of batch) this.#reject(record, reason);
      }
      return;
    }

    const results = output.Records ?? [];
    const failed: PendingRecord[] = [];
    batch.forEach((record, index) => {
      const result = results[index];
      // A response shorter than the request (never seen from Kinesis) cannot prove delivery.
      const errorCode = result === undefined ? 'MissingResult' : result.ErrorCode;
      if (errorCode) {
        record.lastError = errorCode;
        failed.push(record);
        return;
      }
      this.#counts.sent++;
      this.#counts.bytesSent += record.size;
      this.#release();
    });
    if (failed.length > 0) this.#retryOrReject(lane, failed);
  }

  /** Failed records, in their original order, lead the lane's next request unless they are spent. */
  #retryOrReject(lane: Lane, failed: PendingRecord[]): void {
    for (const record of failed) {
      if (record.attempts >= this.#maxAttempts || !isRetryableRecordError(record.lastError)) {
        this.#reject(record, record.lastError);
      } else {
        lane.retry.push(record);
        this.#counts.retries++;
      }
    }
  }

  #reject(record: PendingRecord, reason: string): void {
    this.#countRejected(record.event, reason, record.attempts);
    this.#release();
  }

  #countRejected(event: CostEventInput, reason: string, attempts: number): void {
    this.#counts.rejected++;
    this.#rejectedByReason[reason] = (this.#rejectedByReason[reason] ?? 0) + 1;
    this.#guard(() => this.#onRejected?.({ event, reason, attempts }));
  }

  #release(): void {
    this.#buffered--;
    while (this.#waiters.length > 0 && this.#buffered < this.#maxBuffered) this.#waiters.shift()?.();
  }

  #notifyProgress(): void {
    if (this.#onProgress) this.#guard(() => this.#onProgress?.(this.stats()));
  }

  /** A throwing callback must not strand records mid-send; flush() reports it afterwards. */
  #guard(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#callbackError ??= { error };
    }
  }
}

/**
 * Creates a producer that batches cost events into Kinesis PutRecords requests.
 *
 * - Requests hold at most 500 records and 5 MiB (data plus partition keys); a record over 1 MiB is
 *   rejected with `record_too_large` and never sent (limits configurable for streams with larger
 *   record sizes).
 * - The partition key is the event's session_id; events without one are keyed by a payload hash.
 * - Up to `maxInFlight` requests run at once, one per lane; a partition key always maps to the
 *   same lane and a lane sends one request at a time, so a session's records never overtake each
 *   other (see {@link Ordering} for what a partial failure can still do in `relaxed` mode).
 * - Records a partial failure rejected are retried, only those and in their original order, with
 *   exponential backoff and full jitter, up to `maxAttempts`; so is a whole request that failed
 *   with a retryable error. Records that run out of attempts are rejected with the last error code.
 */
export const createCostEventProducer = (options: CostEventProducerOptions): CostEventProducer =>
  new KinesisCostEventProducer(options);
