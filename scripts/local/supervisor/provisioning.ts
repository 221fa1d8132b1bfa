import { rm } from 'node:fs/promises';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { localSnsClient } from '../../lib/local-clients';
import type { StackResources, StackState } from '../../lib/stack-context';
import { readCheckpoints, writeCheckpoints } from '../checkpoints';
import type { Consumer } from '../consumer';
import { readJsonIfExists } from '../json-file';
import type { ShardReader } from '../kinesis-event-source';
import { kinesisShardReader } from '../kinesis-shard-reader';
import {
  ensureStream,
  ensureTables,
  ensureTopic,
  localDynamoDbAdminClient,
  type StreamInfo,
  type TableDefinition,
} from '../provision';
import { reconcileCheckpoints } from '../reconcile-checkpoints';
import type { SupervisorConfig } from './config';
import { supervisorLog as log } from './supervised';

const forgetCheckpointsOfOldStream = async (consumers: readonly Consumer[]): Promise<void> => {
  for (const consumer of consumers) {
    if ((await readJsonIfExists(consumer.paths.checkpoints)) === undefined) continue;
    log('warn', 'the stream was created anew; discarding the checkpoints of the old one', {
      functionName: consumer.functionName,
    });
    await rm(consumer.paths.checkpoints, { force: true });
  }
};

const reconcileConsumerCheckpoints = async (
  reader: ShardReader,
  consumers: readonly Consumer[],
): Promise<void> => {
  for (const consumer of consumers) {
    const checkpoints = await readCheckpoints(consumer.paths.checkpoints);
    const corrections = await reconcileCheckpoints(reader, checkpoints);
    if (corrections.length === 0) continue;
    log(
      'warn',
      'kinesis-local lost records it had not persisted before a crash; moving their checkpoints back',
      { functionName: consumer.functionName, corrections },
    );
    for (const { shardId, to } of corrections) {
      if (to === undefined) checkpoints.delete(shardId);
      else checkpoints.set(shardId, to);
    }
    await writeCheckpoints(consumer.paths.checkpoints, checkpoints);
  }
};

/**
 * Creates what the stack's functions use, where it is missing: the stream (the consumers' checkpoints
 * follow it: dropped for a new stream, moved back past records kinesis-local lost in a crash), the
 * tables and the alerts topic.
 */
export const provisionStack = async (options: {
  config: SupervisorConfig;
  kinesisClient: KinesisClient;
  consumers: readonly Consumer[];
  resources: StackResources;
  endpoints: StackState['endpoints'];
  tables: readonly TableDefinition[];
}): Promise<{ stream: StreamInfo; reader: ShardReader }> => {
  const { config, kinesisClient, consumers, resources, endpoints } = options;
  const stream = await ensureStream(kinesisClient, resources.streamName, config.shards);
  if (stream.created) await forgetCheckpointsOfOldStream(consumers);
  if (stream.shardCount !== config.shards) {
    log('warn', 'the existing stream keeps its shard count', {
      shards: stream.shardCount,
      requested: config.shards,
    });
  }
  const reader = kinesisShardReader(kinesisClient, resources.streamName);
  await reconcileConsumerCheckpoints(reader, consumers);
  await ensureTables(localDynamoDbAdminClient({ region: resources.region, endpoints }), options.tables);
  const sns = localSnsClient({ region: resources.region, endpoints });
  await ensureTopic(sns, resources.alertsTopicName).finally(() => sns.destroy());
  return { stream, reader };
};
