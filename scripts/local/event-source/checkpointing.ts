import type { StartingPosition, StreamRecord } from './ports';
import type { EventSourceRuntime } from './runtime';
import type { ShardStats } from './stats';

/** Where a shard's reading resumes: after its checkpoint, or from the oldest record without one. */
export const positionAfter = (checkpoint: string | null): StartingPosition =>
  checkpoint === null
    ? { type: 'TRIM_HORIZON' }
    : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint };

/** Saves the last of these records as the shard's checkpoint: their outcome is final. */
export const checkpoint = async (
  runtime: EventSourceRuntime,
  shardId: string,
  stats: ShardStats,
  records: readonly StreamRecord[],
): Promise<void> => {
  const last = records.at(-1);
  if (last === undefined) return;
  await runtime.ports.checkpoints.save(shardId, last.sequenceNumber);
  stats.checkpoint = last.sequenceNumber;
  runtime.totals.recordsCheckpointed += records.length;
};
