import type { KinesisStreamEvent } from 'aws-lambda';
import { localAwsEnvironment } from '../../lib/local-clients';
import type { StackResources, StackState } from '../../lib/stack-context';
import { type Consumer, consumerEventSource, loadHandler } from '../consumer';
import { type ConsumerWorker, startConsumerWorker } from '../consumer-worker';
import type { ShardReader } from '../kinesis-event-source';
import type { StreamInfo } from '../provision';
import { startCheckTimer } from './check-timer';
import { DEFAULT_CHECK_MODULE, RECONCILE_FLAGS_MODULE } from './config';
import { supervisorLog as log, type Shutdown, type StartupTimings, type Supervised } from './supervised';

/** What the consumers need of the provisioned stack. */
export interface ConsumerSetting {
  resources: StackResources;
  endpoints: StackState['endpoints'];
  stream: StreamInfo;
  reader: ShardReader;
}

/**
 * Gives this process the aggregate function's environment. The handlers build their clients when their
 * modules load, so the environment must be complete first.
 */
export const adoptFunctionEnvironment = (
  { resources, endpoints }: Pick<ConsumerSetting, 'resources' | 'endpoints'>,
  functionEnvironment: Record<string, string>,
  consumers: readonly Consumer[],
): void => {
  Object.assign(process.env, localAwsEnvironment({ region: resources.region, endpoints }), {
    ...functionEnvironment,
    STREAM_NAME: resources.streamName,
    POWERTOOLS_SERVICE_NAME: 'ccb-aggregate',
    AWS_LAMBDA_FUNCTION_NAME: consumers[0]?.functionName ?? '',
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
  });
};

const startWorker = async (
  supervised: Supervised,
  consumer: Consumer,
  { resources, endpoints, stream }: ConsumerSetting,
  shutdown: Shutdown,
): Promise<ConsumerWorker> => {
  const { config } = supervised;
  const worker = await startConsumerWorker(
    {
      consumer,
      state: { region: resources.region, endpoints, streamName: resources.streamName, streamArn: stream.arn },
      supervisorPid: process.pid,
      ...(config.idlePollMs !== undefined && { idlePollMs: config.idlePollMs }),
    },
    {
      ...process.env,
      POWERTOOLS_SERVICE_NAME: consumer.serviceName,
      AWS_LAMBDA_FUNCTION_NAME: consumer.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(consumer.memoryLimitInMB),
    },
  );
  worker.onExit((code) => void shutdown(1, `the ${consumer.functionName} consumer thread exited (${code})`));
  return worker;
};

/**
 * Starts the check timers and the mappings: the first consumer's (the aggregate's) in this thread with its
 * handler loaded here, each other one in a worker thread of its own.
 */
export const startConsumers = async (
  supervised: Supervised,
  consumers: readonly Consumer[],
  setting: ConsumerSetting,
  { timings, shutdown }: { timings: StartupTimings; shutdown: Shutdown },
): Promise<void> => {
  const { config } = supervised;
  const { region } = setting.resources;
  const [primary, ...others] = consumers;
  if (primary === undefined) throw new Error('no consumer to run');
  const handler = await loadHandler<KinesisStreamEvent>(primary.handlerModule);
  timings.mark('handlerLoaded');
  supervised.checkTimers = await Promise.all(
    [config.checkModule ?? DEFAULT_CHECK_MODULE, RECONCILE_FLAGS_MODULE].map((module) =>
      startCheckTimer(config, region, module),
    ),
  );
  const eventSource = consumerEventSource({
    consumer: primary,
    handler,
    reader: setting.reader,
    region,
    streamArn: setting.stream.arn,
    ...(config.idlePollMs !== undefined && { idlePollMs: config.idlePollMs }),
    log,
  });
  supervised.running.push({ consumer: primary, eventSource });
  await eventSource.start();
  for (const consumer of others)
    supervised.workers.push(await startWorker(supervised, consumer, setting, shutdown));
};
