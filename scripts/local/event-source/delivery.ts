import { randomUUID } from 'node:crypto';
import { checkpoint } from './checkpointing';
import {
  backOffBeforeRetry,
  bisect,
  discardExhausted,
  discardExpired,
  expiredAtHead,
  retriesExhausted,
} from './failure-handling';
import { invokeOnce } from './invocation';
import type { StreamRecord } from './ports';
import type { EventSourceRuntime } from './runtime';
import type { ShardStats } from './stats';

type Settled = 'settled' | 'stopped';

/**
 * Sends one batch (or, after a bisect, its first half) until every record in it is checkpointed, or until
 * a stop is requested.
 */
const deliverBatch = async (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
  records: StreamRecord[],
  pending: StreamRecord[][],
): Promise<Settled> => {
  let batch = records;
  // Failed invocations of the batch's first record: a move of the checkpoint starts the count again.
  let failedAttempts = 0;
  while (batch.length > 0) {
    if (runtime.signal.aborted) return 'stopped';
    const expired = expiredAtHead(runtime, batch);
    if (expired > 0) {
      await discardExpired(runtime, shardId, stats, batch.slice(0, expired));
      batch = batch.slice(expired);
      failedAttempts = 0;
      continue;
    }
    const requestId = randomUUID();
    stats.state = failedAttempts > 0 ? 'retrying' : 'invoking';
    const outcome = await invokeOnce(runtime, stats, batch, {
      requestId,
      shardId,
      attempt: failedAttempts + 1,
    });
    if (outcome.kind === 'success') {
      await checkpoint(runtime, shardId, stats, batch);
      return 'settled';
    }
    if (outcome.kind === 'partial' && outcome.firstFailed > 0) {
      await checkpoint(runtime, shardId, stats, batch.slice(0, outcome.firstFailed));
      batch = batch.slice(outcome.firstFailed);
      failedAttempts = 0;
    }
    const firstHalf = outcome.kind === 'function-error' ? bisect(runtime, batch, pending) : undefined;
    if (firstHalf !== undefined) {
      batch = firstHalf;
      failedAttempts = 0;
      continue;
    }
    failedAttempts += 1;
    if (retriesExhausted(runtime, failedAttempts)) {
      const functionError = outcome.kind === 'function-error';
      await discardExhausted(runtime, shardId, stats, batch, {
        requestId,
        invokeCount: failedAttempts,
        functionError,
      });
      return 'settled';
    }
    await backOffBeforeRetry(runtime, failedAttempts);
  }
  return 'settled';
};

/**
 * Delivers the records read for one batch until every one of them is checkpointed (processed or
 * discarded), or until a stop is requested, in which case the records not yet checkpointed are read again
 * after a restart.
 */
export const deliver = async (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
  records: StreamRecord[],
): Promise<void> => {
  const pending: StreamRecord[][] = [records];
  while (pending.length > 0) {
    const settled = await deliverBatch(runtime, shardId, stats, pending.shift() ?? [], pending);
    if (settled === 'stopped') return;
  }
};
