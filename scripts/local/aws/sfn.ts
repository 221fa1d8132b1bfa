import { join } from 'node:path';
import type { Logger } from '../log';
import { dispatchJsonOperation } from './protocol';
import { executionLifecycle } from './sfn/execution-lifecycle';
import { openExecutionStore } from './sfn/execution-store';
import { sfnOperations } from './sfn/operations';
import { createStateMachineRunner, type StateMachineRunnerOptions } from './sfn/runner';
import { DefinitionError } from './sfn/state-machine-model';
import { moduleTaskResolver } from './sfn/task-resolver';

export interface SfnServiceOptions extends StateMachineRunnerOptions {
  /** `<home>/aws/sfn` */
  dataDir: string;
  log?: Logger;
}

/**
 * Step Functions for the local stack: StartExecution (execution names are idempotency keys, as on AWS),
 * DescribeExecution, ListExecutions, StopExecution, ListStateMachines and DescribeStateMachine.
 * Executions run `statemachines/*.asl.json` with aws-local-stepfunctions in this process; each Task
 * calls the exported `handler` of its function module with a Lambda context.
 */
export const createSfnService = async (options: SfnServiceOptions) => {
  const log: Logger = options.log ?? (() => undefined);
  const store = await openExecutionStore(join(options.dataDir, 'executions'), log);
  const runner = createStateMachineRunner(options);
  const tasks = moduleTaskResolver(options);
  const lifecycle = executionLifecycle({ store, runner, resolveTask: tasks.resolve, log });
  const operations = sfnOperations({ store, runner, lifecycle, accountId: options.accountId, log });

  return {
    /** Runs one operation; throws AwsServiceError for the client's mistakes. */
    handle: dispatchJsonOperation('Step Functions', operations),
    /** The state machines that can run, and why the others cannot; validates each (so the first start is fast). */
    inventory: runner.inventory,
    /** Loads every task module of the runnable state machines, so the first execution does not pay for it. */
    warm: async () => {
      const machines = [...(await runner.machines()).values()];
      await tasks.warm(
        machines.flatMap((machine) => (machine instanceof DefinitionError ? [] : [machine])),
        log,
      );
    },
    /**
     * Stops running executions without recording an outcome, so the next start reports them
     * (RESTART_ERROR) like after a crash; waits for pending writes.
     */
    close: async () => {
      lifecycle.close();
      await store.settled();
    },
  };
};

export type SfnService = Awaited<ReturnType<typeof createSfnService>>;
