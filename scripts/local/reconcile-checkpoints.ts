import type { ShardReader } from './kinesis-event-source';

export interface CheckpointCorrection {
  shardId: string;
  from: string;
  /** Undefined: no record at or before the old checkpoint is left, so reading starts at TRIM_HORIZON. */
  to: string | undefined;
}

const recordExists = async (
  reader: ShardReader,
  shardId: string,
  sequenceNumber: string,
): Promise<boolean> => {
  try {
    const iterator = await reader.iterator(shardId, { type: 'AT_SEQUENCE_NUMBER', sequenceNumber });
    const read = await reader.read(iterator, 1);
    return read.records[0]?.sequenceNumber === sequenceNumber;
  } catch {
    // kinesis-local answers ResourceNotFoundException for a sequence number it does not hold.
    return false;
  }
};

/** The greatest sequence number in the shard that is not after `limit`, found by reading the whole shard. */
const lastRecordAtOrBefore = async (
  reader: ShardReader,
  shardId: string,
  limit: bigint,
): Promise<string | undefined> => {
  let iterator: string | undefined = await reader.iterator(shardId, { type: 'TRIM_HORIZON' });
  let found: string | undefined;
  while (iterator !== undefined) {
    const read = await reader.read(iterator, 10_000);
    for (const record of read.records) {
      if (BigInt(record.sequenceNumber) > limit) return found;
      found = record.sequenceNumber;
    }
    if (read.records.length === 0 && read.millisBehindLatest === 0) break;
    iterator = read.nextIterator;
  }
  return found;
};

/**
 * Finds checkpoints that point at records the stream no longer holds and moves each one back to the last
 * record at or before it. kinesis-local persists its data every PERSIST_INTERVAL, so a crash can lose the
 * last records after the poller has processed and checkpointed them; on restart kinesis-local hands out
 * those same sequence numbers again, and a checkpoint left in place would silently skip the new records
 * (or, until they arrive, make every read fail). Records trimmed from the start are covered by the same rule.
 */
export const reconcileCheckpoints = async (
  reader: ShardReader,
  checkpoints: ReadonlyMap<string, string>,
): Promise<CheckpointCorrection[]> => {
  const shardIds = new Set(await reader.listShards());
  const corrections: CheckpointCorrection[] = [];
  for (const [shardId, sequenceNumber] of checkpoints) {
    if (!shardIds.has(shardId) || (await recordExists(reader, shardId, sequenceNumber))) continue;
    corrections.push({
      shardId,
      from: sequenceNumber,
      to: await lastRecordAtOrBefore(reader, shardId, BigInt(sequenceNumber)),
    });
  }
  return corrections;
};
