import type { KinesisStreamEvent, KinesisStreamRecord } from 'aws-lambda';
import type { StreamRecord } from './ports';
import type { EventSourceOptions } from './runtime';

/** Lambda's own estimate is not public; this errs high so a batch never exceeds the real limit. */
export const recordPayloadBytes = (record: StreamRecord, fixedOverhead: number): number =>
  Math.ceil(record.data.byteLength / 3) * 4 +
  record.partitionKey.length +
  2 * record.sequenceNumber.length +
  fixedOverhead;

const toLambdaRecord = (
  record: StreamRecord,
  shardId: string,
  options: EventSourceOptions,
): KinesisStreamRecord => ({
  kinesis: {
    kinesisSchemaVersion: '1.0',
    partitionKey: record.partitionKey,
    sequenceNumber: record.sequenceNumber,
    data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.byteLength).toString('base64'),
    approximateArrivalTimestamp: record.approximateArrivalTimestamp.getTime() / 1000,
  },
  eventSource: 'aws:kinesis',
  eventVersion: '1.0',
  eventID: `${shardId}:${record.sequenceNumber}`,
  eventName: 'aws:kinesis:record',
  invokeIdentityArn: options.invokeIdentityArn,
  awsRegion: options.region,
  eventSourceARN: options.streamArn,
});

/** The event Lambda hands the function for a batch read from one shard. */
export const kinesisStreamEvent = (
  batch: readonly StreamRecord[],
  shardId: string,
  options: EventSourceOptions,
): KinesisStreamEvent => ({
  Records: batch.map((record) => toLambdaRecord(record, shardId, options)),
});
