import type { KinesisStreamEvent } from 'aws-lambda';

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

export const silentLog: EventSourceLog = { warn: () => {}, error: () => {} };
