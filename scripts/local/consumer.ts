import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context, KinesisStreamEvent } from 'aws-lambda';
import { LOCAL_ACCOUNT_ID } from '../lib/stack-context';
import { fileCheckpointStore } from './checkpoints';
import { fileFailureDestination } from './failure-destination';
import {
  createKinesisEventSource,
  type EventSourceMappingSettings,
  type EventSourceStats,
  type KinesisEventSource,
  type ShardReader,
} from './kinesis-event-source';
import { lambdaContext } from './lambda-context';
import type { Logger } from './log';
import { projectRoot } from './paths';

/** One Lambda event source mapping on the stream: the function it invokes and where its state lives. */
export interface Consumer {
  functionName: string;
  /** Exports `handler(event, context)`; relative to the repository root unless absolute. */
  handlerModule: string;
  mapping: Partial<EventSourceMappingSettings>;
  paths: { checkpoints: string; failures: string; eventSourceStatus: string };
  memoryLimitInMB: number;
  /** POWERTOOLS_SERVICE_NAME, as serverless.yml sets it for the function. */
  serviceName: string;
}

/** `event-source.json` of a mapping: the poller's counters, refreshed every second. */
export interface EventSourceStatusFile {
  updatedAt: string;
  supervisorPid: number;
  functionName: string;
  mapping: EventSourceMappingSettings;
  stats: EventSourceStats;
}

export type LambdaHandler<E> = (event: E, context: Context) => Promise<unknown>;

const FUNCTION_TIMEOUT_MS = 60_000;

export const resolveHandlerModule = (handlerModule: string): string =>
  isAbsolute(handlerModule) ? handlerModule : resolve(projectRoot, handlerModule);

export const loadHandler = async <E>(handlerModule: string): Promise<LambdaHandler<E>> => {
  const loaded = (await import(pathToFileURL(resolveHandlerModule(handlerModule)).href)) as {
    handler?: unknown;
  };
  if (typeof loaded.handler !== 'function') {
    throw new TypeError(`${handlerModule} does not export a function named handler`);
  }
  return loaded.handler as LambdaHandler<E>;
};

/** The mapping of `consumer`, invoking `handler` in this thread with a Lambda context per batch. */
export const consumerEventSource = (options: {
  consumer: Consumer;
  handler: LambdaHandler<KinesisStreamEvent>;
  reader: ShardReader;
  region: string;
  streamArn: string;
  idlePollMs?: number;
  log: Logger;
}): KinesisEventSource => {
  const { consumer, handler, region, log } = options;
  const { functionName } = consumer;
  return createKinesisEventSource(
    {
      reader: options.reader,
      checkpoints: fileCheckpointStore(consumer.paths.checkpoints),
      failures: fileFailureDestination(consumer.paths.failures),
      invoke: (event, invocation) =>
        handler(
          event,
          lambdaContext({
            functionName,
            region,
            accountId: LOCAL_ACCOUNT_ID,
            requestId: invocation.requestId,
            timeoutMs: FUNCTION_TIMEOUT_MS,
            memoryLimitInMB: consumer.memoryLimitInMB,
          }),
        ),
      log: {
        warn: (message, detail) => log('warn', message, { functionName, ...detail }),
        error: (message, detail) => log('error', message, { functionName, ...detail }),
      },
    },
    {
      streamArn: options.streamArn,
      region,
      functionArn: `arn:aws:lambda:${region}:${LOCAL_ACCOUNT_ID}:function:${functionName}`,
      invokeIdentityArn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${functionName}-role`,
      mapping: consumer.mapping,
      ...(options.idlePollMs !== undefined && { idlePollMs: options.idlePollMs }),
    },
  );
};

/** The status file of a running mapping. */
export const consumerStatus = (
  consumer: Consumer,
  eventSource: KinesisEventSource,
  supervisorPid: number,
): EventSourceStatusFile => ({
  updatedAt: new Date().toISOString(),
  supervisorPid,
  functionName: consumer.functionName,
  mapping: eventSource.mapping,
  stats: eventSource.stats(),
});
