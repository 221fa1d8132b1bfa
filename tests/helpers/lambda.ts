import type { Context, KinesisStreamEvent } from 'aws-lambda';
import type { StreamRecord } from '../../functions/core/ingest/ingest-batch';

/** A Lambda context good enough for handlers that only read ids from it. */
export const aLambdaContext = (overrides: Partial<Context> = {}): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'ccb-test-aggregate',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:ccb-test-aggregate',
  memoryLimitInMB: '512',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  logGroupName: '/aws/lambda/ccb-test-aggregate',
  logStreamName: '2025/03/15/[$LATEST]abcdef',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
  ...overrides,
});

/** Wraps stream records the way the Lambda Kinesis event source delivers them. */
export const aKinesisEvent = (records: StreamRecord[]): KinesisStreamEvent => ({
  Records: records.map((r) => ({
    eventSource: 'aws:kinesis',
    eventVersion: '1.0',
    eventID: `${r.shardId}:${r.sequenceNumber}`,
    eventName: 'aws:kinesis:record',
    invokeIdentityArn: 'arn:aws:iam::123456789012:role/ccb-test-aggregate',
    awsRegion: 'us-east-1',
    eventSourceARN: 'arn:aws:kinesis:us-east-1:123456789012:stream/ccb-test-cost-events',
    kinesis: {
      kinesisSchemaVersion: '1.0',
      partitionKey: r.partitionKey,
      sequenceNumber: r.sequenceNumber,
      data: Buffer.from(r.data).toString('base64'),
      approximateArrivalTimestamp: r.arrivedAt / 1_000,
    },
  })),
});
