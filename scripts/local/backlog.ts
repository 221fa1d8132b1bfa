import type { ShardReader } from './kinesis-event-source';

export interface ShardBacklog {
  /** Records after the checkpoint, counted up to the cap. */
  records: number;
  capped: boolean;
}

/**
 * Counts the records after a checkpoint by reading them. An empty GetRecords does not prove the shard is
 * read to its end (Kinesis may return nothing from a gap), so reading goes on while MillisBehindLatest
 * says there is more.
 */
export const shardBacklog = async (
  reader: ShardReader,
  shardId: string,
  checkpoint: string | undefined,
  cap = 10_000,
): Promise<ShardBacklog> => {
  let iterator: string | undefined = await reader.iterator(
    shardId,
    checkpoint === undefined
      ? { type: 'TRIM_HORIZON' }
      : { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: checkpoint },
  );
  let records = 0;
  for (let reads = 0; iterator !== undefined && reads < 1_000; reads += 1) {
    const read = await reader.read(iterator, Math.min(10_000, cap - records));
    records += read.records.length;
    if (records >= cap) return { records, capped: true };
    if (read.records.length === 0 && read.millisBehindLatest === 0) break;
    iterator = read.nextIterator;
  }
  return { records, capped: false };
};
