import { createHash } from 'node:crypto';
import type { StreamRecord } from '../../functions/core/ingest/ingest-batch';
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

/**
 * Turns scenario lines into stream records as the producer would put them: partition key = session of
 * the (first) event; with `eventsPerRecord` > 1, consecutive events packed into NDJSON records.
 */
export const toStreamRecords = (
  lines: readonly ScenarioLine[],
  shards: number,
  eventsPerRecord = 1,
): TimedRecord[] => {
  const records: TimedRecord[] = [];
  const nextSequence = new Map<string, bigint>();
  let lastAt = 0;
  for (let start = 0; start < lines.length; start += eventsPerRecord) {
    const group = lines.slice(start, start + eventsPerRecord);
    const line = group[0] as ScenarioLine;
    const object = typeof line === 'string' ? undefined : (line as unknown as Record<string, unknown>);
    const partitionKey = typeof object?.session_id === 'string' ? object.session_id : 'unkeyed';
    if (typeof object?.occurred_at === 'number') lastAt = object.occurred_at;
    else if (typeof object?.timestamp === 'string') lastAt = Date.parse(object.timestamp) || lastAt;
    const shardId = shardFor(partitionKey, shards);
    const sequence = (nextSequence.get(shardId) ?? 49_000_000_000_000_000_000n) + 1n;
    nextSequence.set(shardId, sequence);
    records.push({
      shardId,
      sequenceNumber: String(sequence),
      partitionKey,
      arrivedAt: lastAt,
      at: lastAt,
      data: encoder.encode(group.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n')),
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
  const byShard = new Map<string, TimedRecord[]>();
  for (const record of records) {
    const shard = byShard.get(record.shardId);
    if (shard === undefined) byShard.set(record.shardId, [record]);
    else shard.push(record);
  }
  const batches: TimedRecord[][] = [];
  for (const shardRecords of byShard.values()) {
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
