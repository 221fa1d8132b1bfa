import {
  ExpiredIteratorException,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type KinesisClient,
  KMSThrottlingException,
  LimitExceededException,
  ListShardsCommand,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-kinesis';
import { ExpiredIteratorError, ReadThrottledError, type ShardReader } from './kinesis-event-source';

/** The ShardReader port over the Kinesis API (kinesis-local locally, the real service on AWS). */
export const kinesisShardReader = (client: KinesisClient, streamName: string): ShardReader => ({
  async listShards() {
    const shardIds: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new ListShardsCommand(
          nextToken === undefined ? { StreamName: streamName } : { NextToken: nextToken },
        ),
      );
      for (const shard of page.Shards ?? []) if (shard.ShardId !== undefined) shardIds.push(shard.ShardId);
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return shardIds;
  },

  async iterator(shardId, position) {
    const response = await client.send(
      new GetShardIteratorCommand({
        StreamName: streamName,
        ShardId: shardId,
        ShardIteratorType: position.type,
        ...(position.type !== 'TRIM_HORIZON' && { StartingSequenceNumber: position.sequenceNumber }),
      }),
    );
    if (response.ShardIterator === undefined) throw new Error(`no shard iterator returned for ${shardId}`);
    return response.ShardIterator;
  },

  async read(iterator, limit) {
    try {
      const response = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }));
      return {
        records: (response.Records ?? []).map((record) => ({
          sequenceNumber: record.SequenceNumber ?? '',
          partitionKey: record.PartitionKey ?? '',
          data: record.Data ?? new Uint8Array(),
          approximateArrivalTimestamp: record.ApproximateArrivalTimestamp ?? new Date(),
        })),
        nextIterator: response.NextShardIterator ?? undefined,
        millisBehindLatest: response.MillisBehindLatest ?? 0,
      };
    } catch (error) {
      if (error instanceof ExpiredIteratorException) {
        throw new ExpiredIteratorError(error.message, { cause: error });
      }
      if (
        error instanceof ProvisionedThroughputExceededException ||
        error instanceof LimitExceededException ||
        error instanceof KMSThrottlingException
      ) {
        throw new ReadThrottledError(error.message, { cause: error });
      }
      throw error;
    }
  },
});
