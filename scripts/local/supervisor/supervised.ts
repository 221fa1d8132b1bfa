import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { Consumer } from '../consumer';
import type { ConsumerWorker } from '../consumer-worker';
import type { RunningEmulator } from '../emulators';
import type { KinesisEventSource } from '../kinesis-event-source';
import { consoleLogger } from '../log';
import { type StackPaths, stackPaths } from '../paths';
import type { SupervisorConfig } from './config';

export const supervisorLog = consoleLogger('supervisor');

/** What the supervisor has started so far: everything a shutdown has to stop, whenever it comes. */
export interface Supervised {
  readonly config: SupervisorConfig;
  readonly paths: StackPaths;
  readonly children: RunningEmulator[];
  /** The aggregate's mapping runs in this thread; the others (the archive) each in a worker thread. */
  readonly running: { consumer: Consumer; eventSource: KinesisEventSource }[];
  readonly workers: ConsumerWorker[];
  kinesisClient: KinesisClient | undefined;
  statusTimer: NodeJS.Timeout | undefined;
  checkTimers: (NodeJS.Timeout | undefined)[];
  shuttingDown: boolean;
}

export const nothingStarted = (config: SupervisorConfig): Supervised => ({
  config,
  paths: stackPaths(config.home),
  children: [],
  running: [],
  workers: [],
  kinesisClient: undefined,
  statusTimer: undefined,
  checkTimers: [],
  shuttingDown: false,
});

/** Stops the stack (at most once) and exits with `exitCode`. */
export type Shutdown = (exitCode: number, reason: string) => Promise<void>;

/** Milliseconds since the supervisor started, by startup step, for the `ready` log line. */
export const startupTimings = (startedAt: Date) => {
  const timings: Record<string, number> = {};
  const elapsed = () => Date.now() - startedAt.getTime();
  return {
    timings,
    elapsed,
    mark: (step: string) => {
      timings[step] = elapsed();
    },
  };
};

export type StartupTimings = ReturnType<typeof startupTimings>;
