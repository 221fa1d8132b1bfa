import type { KinesisStreamEvent } from 'aws-lambda';
import { kinesisStreamEvent } from './lambda-event';
import type { Invocation, StreamRecord } from './ports';
import type { EventSourceRuntime } from './runtime';
import type { ShardStats } from './stats';

export type BatchOutcome =
  | { kind: 'success' }
  | { kind: 'partial'; firstFailed: number }
  | { kind: 'batch-failure'; reason: string }
  | { kind: 'function-error'; error: unknown };

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

/** Invokes the function once with the batch and counts the invocation; a thrown error is an outcome too. */
export const invokeOnce = async (
  runtime: EventSourceRuntime,
  stats: ShardStats,
  batch: readonly StreamRecord[],
  invocation: Invocation,
): Promise<BatchOutcome> => {
  const { totals, log, mapping } = runtime;
  const event: KinesisStreamEvent = kinesisStreamEvent(batch, invocation.shardId, runtime.options);
  totals.invocations += 1;
  totals.recordsDelivered += batch.length;
  stats.invocations += 1;
  stats.recordsDelivered += batch.length;
  stats.lastInvocationAt = new Date(runtime.clock.now()).toISOString();
  let response: unknown;
  try {
    response = await runtime.ports.invoke(event, invocation);
  } catch (error) {
    totals.functionErrors += 1;
    log.warn('function error', {
      shardId: invocation.shardId,
      requestId: invocation.requestId,
      error: String(error),
    });
    return { kind: 'function-error', error };
  }
  if (!mapping.ReportBatchItemFailures) return { kind: 'success' };
  const outcome = interpretResponse(response, batch);
  if (outcome.kind === 'partial') totals.partialBatchFailures += 1;
  if (outcome.kind === 'batch-failure') {
    totals.wholeBatchFailuresByResponse += 1;
    log.warn('the response fails the whole batch', {
      shardId: invocation.shardId,
      requestId: invocation.requestId,
      reason: outcome.reason,
    });
  }
  return outcome;
};
