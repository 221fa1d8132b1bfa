import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stackStatePath } from '../lib/stack-context';

/** The repository root, so child processes and module paths resolve the same from any working directory. */
export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Every file and folder the local stack keeps under its home; one place so `down --purge` knows them all. */
export const stackPaths = (home: string) => ({
  home,
  /** Proves the folder was made by `ccb local up`, so a purge never deletes a folder it did not create. */
  marker: join(home, '.ccb-home'),
  state: stackStatePath(home),
  /** Pids of the supervisor and its children, written as each one starts, for cleanup after a crash. */
  processes: join(home, 'processes.json'),
  upLock: join(home, 'up.lock'),
  logs: join(home, 'logs'),
  supervisorLog: join(home, 'logs', 'supervisor.log'),
  kinesisLog: join(home, 'logs', 'kinesis.log'),
  dynamodbLog: join(home, 'logs', 'dynamodb.log'),
  awsLog: join(home, 'logs', 'aws.log'),
  kinesisData: join(home, 'kinesis'),
  dynamodbData: join(home, 'dynamodb'),
  /** The SSM, Step Functions and SNS stand-ins' state (scripts/local/aws/server.ts awsStandInPaths). */
  aws: join(home, 'aws'),
  checkpoints: join(home, 'checkpoints.json'),
  failures: join(home, 'failures'),
  eventSourceStatus: join(home, 'event-source.json'),
  /** Further consumers of the stream (the archive), each in a folder of its own: see consumerPaths. */
  consumers: join(home, 'consumers'),
});

/**
 * A further consumer's own state, by its function name: its mapping keeps its checkpoints, discarded
 * batches and counters apart from the aggregate's (which keep their places at the top of the home).
 */
export const consumerPaths = (home: string, functionName: string) => ({
  checkpoints: join(home, 'consumers', functionName, 'checkpoints.json'),
  failures: join(home, 'consumers', functionName, 'failures'),
  eventSourceStatus: join(home, 'consumers', functionName, 'event-source.json'),
});

export type StackPaths = ReturnType<typeof stackPaths>;
