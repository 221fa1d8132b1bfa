import type { Logger } from '../../log';
import type { ExecutionOutcome, RunnerEvent, RunningExecution, TaskResolver } from './execution-run';
import type { ExecutionRecord, ExecutionStore } from './execution-store';
import type { StateMachineRunner } from './runner';
import type { LoadedStateMachine } from './state-machine-model';

const MAX_EVENTS = 500;

/** The part of a runner event kept in the execution's file. */
const recordedEvent = (event: RunnerEvent) => {
  const detail = event as { state?: { name: string }; Error?: string; Cause?: unknown };
  return {
    timestamp: new Date(event.timestamp).toISOString(),
    type: event.type,
    ...(detail.state !== undefined && { state: detail.state.name }),
    ...(detail.Error !== undefined && { error: detail.Error, cause: String(detail.Cause) }),
  };
};

const recordOutcome = (outcome: ExecutionOutcome): Partial<ExecutionRecord> =>
  outcome.status === 'SUCCEEDED'
    ? { status: 'SUCCEEDED', output: JSON.stringify(outcome.output ?? null) }
    : outcome;

/**
 * Takes a stored execution from RUNNING to its end: runs it, keeps the first events of its history,
 * writes its outcome; StopExecution aborts it, and closing leaves the running ones as they are on disk.
 */
export const executionLifecycle = (deps: {
  store: ExecutionStore;
  runner: StateMachineRunner;
  resolveTask: TaskResolver;
  log: Logger;
}) => {
  const { store, log } = deps;
  const running = new Map<string, RunningExecution>();
  let closing = false;

  const finish = async (record: ExecutionRecord, outcome: Partial<ExecutionRecord>) => {
    running.delete(record.executionArn);
    if (closing || record.status !== 'RUNNING') return;
    const finished: ExecutionRecord = Object.assign(record, outcome, { stopDate: new Date().toISOString() });
    log(finished.status === 'SUCCEEDED' ? 'info' : 'warn', `execution ${record.status}`, {
      executionArn: record.executionArn,
      ...(record.error !== undefined && { error: record.error, cause: record.cause }),
    });
    await store.persist(record).catch((error: unknown) =>
      log('error', 'could not write an execution', {
        executionArn: record.executionArn,
        error: String(error),
      }),
    );
  };

  const run = async (record: ExecutionRecord, machine: LoadedStateMachine) => {
    const execution = await deps.runner.start(machine, record, deps.resolveTask);
    running.set(record.executionArn, execution);
    void (async () => {
      for await (const event of execution.events)
        if (record.events.length < MAX_EVENTS) record.events.push(recordedEvent(event));
    })().catch(() => undefined);
    void execution.outcome.then((outcome) => finish(record, recordOutcome(outcome)));
  };

  return {
    /** Starts a stored RUNNING execution; one that cannot start fails as States.Runtime. */
    launch: (record: ExecutionRecord, machine: LoadedStateMachine): Promise<void> =>
      run(record, machine).catch((error: unknown) =>
        finish(record, {
          status: 'FAILED',
          error: 'States.Runtime',
          cause: String((error as Error).message ?? error),
        }),
      ),
    /** Aborts a running execution whose record StopExecution has already marked ABORTED. */
    abort: (executionArn: string): void => {
      running.get(executionArn)?.abort();
      running.delete(executionArn);
    },
    /** Stops the running executions without recording an outcome, so the next start reports them. */
    close: (): void => {
      closing = true;
      for (const execution of running.values()) execution.abort();
    },
  };
};

export type ExecutionLifecycle = ReturnType<typeof executionLifecycle>;
