import { randomUUID } from 'node:crypto';
import { checkpoint } from './checkpointing';
import type { OnFailureRecord, StreamRecord } from './ports';
import type { EventSourceRuntime } from './runtime';
import type { ShardStats } from './stats';

interface Failure {
  condition: OnFailureRecord['requestContext']['condition'];
  requestId: string;
  invokeCount: number;
  functionError?: boolean;
}

const onFailureRecord = (
  runtime: EventSourceRuntime,
  shardId: string,
  first: StreamRecord,
  last: StreamRecord,
  batchSize: number,
  failure: Failure,
): OnFailureRecord => ({
  requestContext: {
    requestId: failure.requestId,
    functionArn: runtime.options.functionArn,
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
  timestamp: new Date(runtime.clock.now()).toISOString(),
  KinesisBatchInfo: {
    shardId,
    startSequenceNumber: first.sequenceNumber,
    endSequenceNumber: last.sequenceNumber,
    approximateArrivalOfFirstRecord: first.approximateArrivalTimestamp.toISOString(),
    approximateArrivalOfLastRecord: last.approximateArrivalTimestamp.toISOString(),
    batchSize,
    streamArn: runtime.options.streamArn,
  },
});

/** Sends the records' metadata to the on-failure destination, then checkpoints past them. */
const discard = async (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
  records: readonly StreamRecord[],
  failure: Failure,
): Promise<void> => {
  const first = records[0];
  const last = records.at(-1);
  if (first !== undefined && last !== undefined) {
    await runtime.ports.failures.send(
      onFailureRecord(runtime, shardId, first, last, records.length, failure),
    );
    runtime.totals.discardedBatches += 1;
    runtime.totals.recordsToFailureDestination += records.length;
    runtime.log.warn('records sent to the on-failure destination', {
      shardId,
      condition: failure.condition,
      startSequenceNumber: first.sequenceNumber,
      batchSize: records.length,
    });
  }
  await checkpoint(runtime, shardId, stats, records);
};

/** How many records at the head of the batch are older than MaximumRecordAgeInSeconds (0 when it is -1). */
export const expiredAtHead = (runtime: EventSourceRuntime, batch: readonly StreamRecord[]): number => {
  const { MaximumRecordAgeInSeconds } = runtime.mapping;
  if (MaximumRecordAgeInSeconds < 0) return 0;
  const oldest = runtime.clock.now() - MaximumRecordAgeInSeconds * 1000;
  const firstFresh = batch.findIndex((record) => record.approximateArrivalTimestamp.getTime() >= oldest);
  return firstFresh === -1 ? batch.length : firstFresh;
};

/** Discards records too old to be sent, without invoking the function for them. */
export const discardExpired = (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
  records: readonly StreamRecord[],
): Promise<void> =>
  discard(runtime, shardId, stats, records, {
    condition: 'RecordAgeExceeded',
    requestId: randomUUID(),
    invokeCount: 0,
  });

/** Discards a batch whose retries are used up, naming the last failed invocation. */
export const discardExhausted = (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
  batch: readonly StreamRecord[],
  lastAttempt: { requestId: string; invokeCount: number; functionError: boolean },
): Promise<void> =>
  discard(runtime, shardId, stats, batch, { condition: 'RetryAttemptsExhausted', ...lastAttempt });

/**
 * After a function error, with BisectBatchOnFunctionError, splits a batch of more than one record: the
 * second half is queued at the front of `pending`, the first half returned to be retried now. Returns
 * undefined when the batch is not split.
 */
export const bisect = (
  runtime: EventSourceRuntime,
  batch: StreamRecord[],
  pending: StreamRecord[][],
): StreamRecord[] | undefined => {
  if (!runtime.mapping.BisectBatchOnFunctionError || batch.length <= 1) return undefined;
  const middle = Math.ceil(batch.length / 2);
  pending.unshift(batch.slice(middle));
  runtime.totals.bisects += 1;
  return batch.slice(0, middle);
};

/** Whether this many failed invocations use up MaximumRetryAttempts (-1 retries forever). */
export const retriesExhausted = (runtime: EventSourceRuntime, failedAttempts: number): boolean =>
  runtime.mapping.MaximumRetryAttempts >= 0 && failedAttempts > runtime.mapping.MaximumRetryAttempts;

/** Counts a retry and waits before it: longer after each failed attempt, at most 5 s. */
export const backOffBeforeRetry = (runtime: EventSourceRuntime, failedAttempts: number): Promise<void> => {
  runtime.totals.retries += 1;
  return runtime.sleep(Math.min(runtime.retryBackoffMs * failedAttempts, 5_000));
};
