import type { KinesisStreamBatchResponse, KinesisStreamRecord } from 'aws-lambda';
import type { StreamRecord } from '../core/ingest/batch-model';

/** A Lambda Kinesis record as the use cases read it: shard, sequence number, arrival in ms, raw bytes. */
export const toStreamRecord = (record: KinesisStreamRecord): StreamRecord => ({
  shardId: record.eventID.split(':')[0] ?? record.eventID,
  sequenceNumber: record.kinesis.sequenceNumber,
  partitionKey: record.kinesis.partitionKey,
  arrivedAt: Math.round(record.kinesis.approximateArrivalTimestamp * 1_000),
  data: Buffer.from(record.kinesis.data, 'base64'),
});

/**
 * The partial batch response: only the first record not fully processed. Lambda checkpoints before it
 * and redelivers from there.
 */
export const toBatchResponse = (
  firstFailedSequenceNumber: string | undefined,
): KinesisStreamBatchResponse => ({
  batchItemFailures:
    firstFailedSequenceNumber === undefined ? [] : [{ itemIdentifier: firstFailedSequenceNumber }],
});
