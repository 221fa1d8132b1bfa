import { DEFAULT_MAPPING, type EventSourceMappingSettings, validateMapping } from './event-source/mapping';
import { createRuntime, type EventSourceOptions, type EventSourcePorts } from './event-source/runtime';
import { pollShard } from './event-source/shard-poller';
import { type EventSourceStats, emptyShardStats, emptyTotals, type ShardStats } from './event-source/stats';

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

export { type BatchOutcome, interpretResponse } from './event-source/invocation';
export { DEFAULT_MAPPING, type EventSourceMappingSettings } from './event-source/mapping';
export {
  type CheckpointStore,
  type Clock,
  type EventSourceLog,
  ExpiredIteratorError,
  type FailureDestination,
  type Invocation,
  type Invoke,
  type OnFailureRecord,
  ReadThrottledError,
  type ShardRead,
  type ShardReader,
  type StartingPosition,
  type StreamRecord,
  systemClock,
} from './event-source/ports';
export type { EventSourceOptions, EventSourcePorts } from './event-source/runtime';
export type { EventSourceStats, ShardStats } from './event-source/stats';

export interface KinesisEventSource {
  /** Lists the shards, loads the checkpoints and starts one poller per shard; resolves once they run. */
  start(): Promise<void>;
  /** Lets the batches under way finish (their outcome is checkpointed), then stops polling. */
  stop(): Promise<void>;
  stats(): EventSourceStats;
  readonly mapping: EventSourceMappingSettings;
}

/** Creates the poller; nothing is read until `start()`. */
export const createKinesisEventSource = (
  ports: EventSourcePorts,
  options: EventSourceOptions,
): KinesisEventSource => {
  const mapping: EventSourceMappingSettings = { ...DEFAULT_MAPPING, ...options.mapping };
  validateMapping(mapping);
  const stopping = new AbortController();
  const totals = emptyTotals();
  const runtime = createRuntime(ports, options, mapping, totals, stopping.signal);
  const loops: Promise<void>[] = [];
  const shards: Record<string, ShardStats> = {};
  let started = false;

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
        loops.push(pollShard(runtime, shardId, stats));
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
