import { emptyReadAhead, fillBatchWindow, type ReadAhead, takeBatch } from './batch-window';
import { positionAfter } from './checkpointing';
import { deliver } from './delivery';
import { ExpiredIteratorError, ReadThrottledError } from './ports';
import type { EventSourceRuntime } from './runtime';
import type { ShardStats } from './stats';

/** Reads one batch and delivers it; 'done' once the shard has ended or a stop is requested. */
const pollOnce = async (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
  ahead: ReadAhead,
): Promise<'more' | 'done'> => {
  if (ahead.iterator === undefined && !ahead.ended) {
    ahead.iterator = await runtime.ports.reader.iterator(shardId, positionAfter(stats.checkpoint));
  }
  stats.state = 'polling';
  await fillBatchWindow(runtime, stats, ahead);
  if (runtime.signal.aborted) return 'done';
  if (ahead.buffer.length === 0) {
    if (!ahead.ended) return 'more';
    stats.state = 'ended';
    return 'done';
  }
  // Records left over by the payload limit keep their window start: they have waited already.
  await deliver(runtime, shardId, stats, takeBatch(runtime, ahead.buffer));
  return 'more';
};

/** Forgets what was read ahead so the next poll starts again from the checkpoint, after a backoff if due. */
const recoverFromPollError = async (
  runtime: EventSourceRuntime,
  shardId: string,
  ahead: ReadAhead,
  error: unknown,
): Promise<void> => {
  // Re-reading from the checkpoint is always safe: the buffer holds nothing that was checkpointed.
  runtime.totals.pollErrors += 1;
  Object.assign(ahead, emptyReadAhead());
  if (error instanceof ExpiredIteratorError) {
    runtime.log.warn('shard iterator expired; re-acquiring it from the checkpoint', { shardId });
    return;
  }
  if (error instanceof ReadThrottledError) runtime.log.warn('read throttled; backing off', { shardId });
  else
    runtime.log.error('shard poller failed; retrying from the checkpoint', {
      shardId,
      error: String(error),
    });
  await runtime.sleep(runtime.readBackoffMs);
};

/** Polls one shard in sequence order, one invocation at a time, until it ends or a stop is requested. */
export const pollShard = async (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
): Promise<void> => {
  const ahead = emptyReadAhead();
  while (!runtime.signal.aborted) {
    try {
      if ((await pollOnce(runtime, shardId, stats, ahead)) === 'done') return;
    } catch (error) {
      await recoverFromPollError(runtime, shardId, ahead, error);
    }
  }
};
