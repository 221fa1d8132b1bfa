import type { Logger } from '../../log';
import type { JsonOperation } from '../protocol';
import type { ExecutionLifecycle } from './execution-lifecycle';
import { executionOperations } from './execution-operations';
import type { ExecutionStore } from './execution-store';
import type { StateMachineRunner } from './runner';
import { startExecution } from './start-execution';
import { stateMachineOperations } from './state-machine-operations';

/** The Step Functions API actions the stand-in answers, by the operation its X-Amz-Target names. */
export const sfnOperations = (deps: {
  store: ExecutionStore;
  runner: StateMachineRunner;
  lifecycle: ExecutionLifecycle;
  accountId: string;
  log: Logger;
}): Record<string, JsonOperation> => ({
  StartExecution: startExecution(deps),
  ...executionOperations(deps),
  ...stateMachineOperations(deps),
});
