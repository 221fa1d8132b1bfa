import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Where the embedded local stack keeps all of its state: emulator data, checkpoints, logs, the state file. */
export const stackHome = (): string => resolve(process.env.CCB_HOME ?? '.ccb');

/** The names the local stack gives its resources; the same shapes serverless.yml creates on AWS. */
export interface StackResources {
  region: string;
  streamName: string;
  spendTable: string;
  quarantineTable: string;
}

/** Written by `ccb local up` to `<stackHome>/stack.json`; read by every other command. */
export interface StackState extends StackResources {
  supervisorPid: number;
  startedAt: string;
  endpoints: { kinesis: string; dynamodb: string };
  children: { name: string; pid: number }[];
  /** The fields below are written by the embedded stack; optional so hand-made states stay valid. */
  home?: string;
  streamArn?: string;
  shardCount?: number;
  /** Table names by their key under custom.names in resources/dynamodb.yml, e.g. `spendTable`. */
  tables?: Record<string, string>;
  /** The module whose `handler` the event-source poller invokes, relative to the repository root. */
  handlerModule?: string;
}

/** Resource names for a stage: the rule serverless.yml's custom.names follows, so AWS stages match too. */
export const localResources = (stage = 'local'): StackResources => ({
  region: 'us-east-1',
  streamName: `ccb-${stage}-cost-events`,
  spendTable: `ccb-${stage}-spend`,
  quarantineTable: `ccb-${stage}-quarantine`,
});

export const stackStatePath = (home = stackHome()): string => join(home, 'stack.json');

export class StackNotRunningError extends Error {
  constructor(home: string, options?: ErrorOptions) {
    super(
      `the local stack is not running (no state under ${home}); start it with: npx ccb local up`,
      options,
    );
    this.name = 'StackNotRunningError';
  }
}

/** Reads the state file; throws StackNotRunningError when the stack was never started or was stopped. */
export const readStackState = async (home = stackHome()): Promise<StackState> => {
  try {
    return JSON.parse(await readFile(stackStatePath(home), 'utf8')) as StackState;
  } catch (error) {
    throw new StackNotRunningError(home, { cause: error });
  }
};
