import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonIfExists, type WriteQueue, writeJsonAtomic, writeQueue } from '../../json-file';
import type { Logger } from '../../log';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** A step of an execution as the runner reported it; kept in the execution's file for debugging. */
export interface ExecutionEvent {
  timestamp: string;
  type: string;
  state?: string;
  error?: string;
  cause?: string;
}

/** `<home>/aws/sfn/executions/<state machine>/<name>.json`, rewritten when the execution starts and ends. */
export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  startDate: string;
  stopDate?: string;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  events: ExecutionEvent[];
}

/** What an execution left RUNNING by a stopped or killed stack becomes on the next start. */
export const RESTART_ERROR = { error: 'States.Runtime', cause: 'local stack restarted' } as const;

const fileNameOf = (name: string): string => `${encodeURIComponent(name).replaceAll('.', '%2E')}.json`;

const machineNameOf = (record: ExecutionRecord) =>
  record.stateMachineArn.slice(record.stateMachineArn.lastIndexOf(':') + 1);

/** Every execution file under the folder; one that does not parse is left out. */
const readRecords = async (executionsDir: string): Promise<ExecutionRecord[]> => {
  const records: ExecutionRecord[] = [];
  for (const machine of await readdir(executionsDir)) {
    const folder = join(executionsDir, machine);
    const entries = (await readdir(folder).catch(() => [] as string[])).filter((e) => e.endsWith('.json'));
    for (const entry of entries) {
      const record = await readJsonIfExists<ExecutionRecord>(join(folder, entry)).catch(() => undefined);
      if (record !== undefined) records.push(record);
    }
  }
  return records;
};

const failInterrupted = (record: ExecutionRecord): void => {
  Object.assign(record, { status: 'FAILED', stopDate: new Date().toISOString(), ...RESTART_ERROR });
  record.events.push({ timestamp: record.stopDate ?? '', type: 'ExecutionFailed', ...RESTART_ERROR });
};

/**
 * The executions of the stand-in, by ARN, each in its own file under `executionsDir`. Opening it
 * fails, visibly, the executions the last server left RUNNING: they can never finish.
 */
export const openExecutionStore = async (executionsDir: string, log: Logger) => {
  const executions = new Map<string, ExecutionRecord>();
  const writes = new Map<string, WriteQueue>();

  /** Writes are queued per execution, each with the record as it is when its turn comes. */
  const persist = (record: ExecutionRecord): Promise<void> => {
    const queue = writes.get(record.executionArn) ?? writeQueue();
    writes.set(record.executionArn, queue);
    const path = join(executionsDir, machineNameOf(record), fileNameOf(record.name));
    return queue.run(() => writeJsonAtomic(path, record));
  };

  await mkdir(executionsDir, { recursive: true });
  const interrupted: string[] = [];
  for (const record of await readRecords(executionsDir)) {
    if (record.status === 'RUNNING') {
      failInterrupted(record);
      interrupted.push(record.executionArn);
      await persist(record);
    }
    executions.set(record.executionArn, record);
  }
  if (interrupted.length > 0)
    log('warn', 'executions that were running when the stack stopped are marked FAILED', {
      executions: interrupted,
    });

  return {
    get: (executionArn: string) => executions.get(executionArn),
    /** Registers a new execution and writes it. */
    add: (record: ExecutionRecord): Promise<void> => {
      executions.set(record.executionArn, record);
      return persist(record);
    },
    persist,
    all: (): ExecutionRecord[] => [...executions.values()],
    /** Resolves once every write queued so far has settled. */
    settled: async (): Promise<void> => {
      await Promise.all([...writes.values()].map((queue) => queue.settled()));
    },
  };
};

export type ExecutionStore = Awaited<ReturnType<typeof openExecutionStore>>;
