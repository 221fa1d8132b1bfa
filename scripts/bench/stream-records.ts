import { createHash } from 'node:crypto';
import { groupBy } from '../../functions/core/ingest/batch-model';
import type { StreamRecord } from '../../functions/core/ingest/ingest-batch';
import { isPackedRecord, packEvents } from '../../producer';
import type { ScenarioLine } from '../scenarios';

const encoder = new TextEncoder();

/** Kinesis routes a record by the MD5 of its partition key over the shards' equal hash-key ranges. */
export const shardFor = (partitionKey: string, shards: number): string => {
  const hash = BigInt(`0x${createHash('md5').update(partitionKey).digest('hex')}`);
  const index = Number((hash * BigInt(shards)) >> 128n);
  return `shardId-${String(index).padStart(12, '0')}`;
};

export interface TimedRecord extends StreamRecord {
  /** Event time of the line (the last valid one's for a bad line): arrival is modelled as event time. */
  at: number;
}

const sequencer = () => {
  const next = new Map<string, bigint>();
  return (shardId: string): string => {
    const sequence = (next.get(shardId) ?? 49_000_000_000_000_000_000n) + 1n;
    next.set(shardId, sequence);
    return String(sequence);
  };
};

/** Turns scenario lines into stream records as the producer puts them one by one: partition key = session. */
export const toStreamRecords = (lines: readonly ScenarioLine[], shards: number): TimedRecord[] => {
  const nextSequence = sequencer();
  let lastAt = 0;
  return lines.map((line) => {
    const object = typeof line === 'string' ? undefined : (line as unknown as Record<string, unknown>);
    const partitionKey = typeof object?.session_id === 'string' ? object.session_id : 'unkeyed';
    if (typeof object?.occurred_at === 'number') lastAt = object.occurred_at;
    else if (typeof object?.timestamp === 'string') lastAt = Date.parse(object.timestamp) || lastAt;
    const shardId = shardFor(partitionKey, shards);
    return {
      shardId,
      sequenceNumber: nextSequence(shardId),
      partitionKey,
      arrivedAt: lastAt,
      at: lastAt,
      data: encoder.encode(typeof line === 'string' ? line : JSON.stringify(line)),
    };
  });
};

/** The records the producer library sends with packing on (`packEvents`, its defaults). */
export const toPackedStreamRecords = async (
  lines: readonly ScenarioLine[],
  shards: number,
): Promise<TimedRecord[]> => {
  const nextSequence = sequencer();
  const records: TimedRecord[] = [];
  for await (const record of packEvents(lines)) {
    if (!isPackedRecord(record)) throw new Error('every scenario line fits a packed record');
    const shardId = shardFor(record.partitionKey, shards);
    const sequenceNumber = nextSequence(shardId);
    records.push({
      shardId,
      sequenceNumber,
      partitionKey: record.partitionKey,
      arrivedAt: 0,
      at: 0,
      data: record.packed,
    });
  }
  return records;
};

/**
 * Splits each shard's records into event-source batches: at most `batchSize` records and, when a
 * window is given, at most `windowSeconds` of arrival time, as the Lambda batching window does at live rates.
 */
export const toBatches = (
  records: readonly TimedRecord[],
  batchSize: number,
  windowSeconds?: number,
): TimedRecord[][] => {
  const batches: TimedRecord[][] = [];
  for (const shardRecords of groupBy(records, (r) => r.shardId).values()) {
    let batch: TimedRecord[] = [];
    for (const record of shardRecords) {
      const first = batch[0];
      const windowFull =
        windowSeconds !== undefined && first !== undefined && record.at - first.at >= windowSeconds * 1_000;
      if (batch.length === batchSize || windowFull) {
        batches.push(batch);
        batch = [];
      }
      batch.push(record);
    }
    if (batch.length > 0) batches.push(batch);
  }
  return batches;
};
