import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { KinesisStreamEvent } from 'aws-lambda';
import { localKinesisClient } from '../lib/local-clients';
import type { StackState } from '../lib/stack-context';
import { type Consumer, consumerEventSource, consumerStatus, loadHandler } from './consumer';
import { writeJsonAtomic } from './json-file';
import { kinesisShardReader } from './kinesis-shard-reader';
import { consoleLogger } from './log';

/** What the supervisor hands a consumer's worker thread. */
export interface ConsumerWorkerData {
  consumer: Consumer;
  state: Pick<StackState, 'region' | 'endpoints' | 'streamName'> & { streamArn: string };
  supervisorPid: number;
  idlePollMs?: number;
}

type FromWorker = { type: 'started' } | { type: 'stopped' } | { type: 'failed'; error: string };

const WORKER_SCRIPT = fileURLToPath(import.meta.url);

const log = consoleLogger('supervisor');

/** A consumer running in a worker thread of the supervisor, started and stopped from the supervisor. */
export interface ConsumerWorker {
  functionName: string;
  /** Lets the batches under way finish and stops; terminates the thread after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  /** Called when the thread ends without being asked to. */
  onExit(listener: (code: number) => void): void;
}

/**
 * Runs a mapping in a worker thread: its own event loop (a busy archive never delays the aggregate's
 * batches, and gets the machine's other core), and its own copies of the handler's modules, so its
 * Powertools logger and metrics carry its own service and function name. The thread loads TypeScript
 * through tsx like the supervisor. Resolves once the mapping polls; rejects if it cannot start.
 */
export const startConsumerWorker = (
  data: ConsumerWorkerData,
  env: NodeJS.ProcessEnv,
): Promise<ConsumerWorker> => {
  const boot =
    `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})` +
    `.then(async ({ register }) => { register(); await import(${JSON.stringify(pathToFileURL(WORKER_SCRIPT).href)}); })`;
  const worker = new Worker(boot, { eval: true, workerData: data, env });
  let stopping = false;
  const exitListeners: ((code: number) => void)[] = [];
  worker.on('exit', (code) => {
    if (!stopping) for (const listener of exitListeners) listener(code);
  });
  return new Promise((resolve, reject) => {
    const onStartError = (error: unknown) => reject(error);
    worker.once('error', onStartError);
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'failed') reject(new Error(`${data.consumer.functionName}: ${message.error}`));
      if (message.type !== 'started') return;
      worker.off('error', onStartError);
      worker.on('error', (error) =>
        log('error', 'consumer thread failed', {
          functionName: data.consumer.functionName,
          error: String(error),
        }),
      );
      resolve({
        functionName: data.consumer.functionName,
        onExit: (listener) => exitListeners.push(listener),
        stop: async (graceMs = 15_000) => {
          stopping = true;
          const stopped = new Promise<void>((done) => {
            worker.on('message', (m: FromWorker) => m.type === 'stopped' && done());
            worker.once('exit', () => done());
          });
          worker.postMessage('stop');
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([stopped, new Promise<void>((done) => (timer = setTimeout(done, graceMs)))]);
          clearTimeout(timer);
          await worker.terminate();
        },
      });
    });
  });
};

/** The thread's side: build the mapping, run it, write its status every second, stop when told. */
const runInWorker = async (data: ConsumerWorkerData): Promise<void> => {
  const port = parentPort;
  if (port === null) return;
  const client = localKinesisClient(data.state);
  try {
    const handler = await loadHandler<KinesisStreamEvent>(data.consumer.handlerModule);
    const eventSource = consumerEventSource({
      consumer: data.consumer,
      handler,
      reader: kinesisShardReader(client, data.state.streamName),
      region: data.state.region,
      streamArn: data.state.streamArn,
      ...(data.idlePollMs !== undefined && { idlePollMs: data.idlePollMs }),
      log,
    });
    const writeStatus = () =>
      writeJsonAtomic(
        data.consumer.paths.eventSourceStatus,
        consumerStatus(data.consumer, eventSource, data.supervisorPid),
      );
    await eventSource.start();
    await writeStatus();
    const timer = setInterval(() => {
      writeStatus().catch((error: unknown) =>
        log('warn', 'could not write the status file', { error: String(error) }),
      );
    }, 1_000);
    port.on('message', (message: unknown) => {
      if (message !== 'stop') return;
      clearInterval(timer);
      void eventSource
        .stop()
        .then(writeStatus)
        .finally(() => {
          client.destroy();
          port.postMessage({ type: 'stopped' } satisfies FromWorker);
          port.close();
        });
    });
    port.postMessage({ type: 'started' } satisfies FromWorker);
  } catch (error) {
    client.destroy();
    port.postMessage({
      type: 'failed',
      error: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies FromWorker);
  }
};

if (!isMainThread && (workerData as Partial<ConsumerWorkerData> | undefined)?.consumer !== undefined) {
  await runInWorker(workerData as ConsumerWorkerData);
}
