import { definitionValidator } from './definition-validation';
import { loadStateMachines } from './definitions';
import { type ExecutionStart, startExecutionRun, type TaskResolver } from './execution-run';
import { type Sleep, scaledWait, timerSleep } from './scaled-wait';
import {
  DefinitionError,
  type LoadedStateMachine,
  type StateMachineLoadOptions,
} from './state-machine-model';

export interface StateMachineRunnerOptions extends StateMachineLoadOptions {
  /** Every Retry waits this long instead of its IntervalSeconds and BackoffRate; unset keeps the ASL's. */
  retryIntervalMs?: number;
  /** How a scaled Wait waits its scaled time; the execution's abort signal ends it early. Default a timer. */
  sleep?: Sleep;
}

/**
 * Runs state machine definitions with aws-local-stepfunctions, as the local stack's Step Functions
 * does and the state machine tests do: definitions loaded and substituted as on deploy, each Task
 * invoked as a Lambda function through a TaskResolver, Waits scaled, Retry intervals overridden.
 */
export const createStateMachineRunner = (options: StateMachineRunnerOptions) => {
  const validate = definitionValidator();
  const settings = {
    region: options.region,
    accountId: options.accountId,
    retryIntervalMs: options.retryIntervalMs,
    wait: scaledWait(options.waitScale, options.sleep ?? timerSleep),
  };
  const machines = () => loadStateMachines(options);

  /** The state machines that can run, and why the others cannot; validates each (so the first start is fast). */
  const inventory = async () => {
    const runnable: string[] = [];
    const errors: string[] = [];
    for (const machine of (await machines()).values()) {
      if (machine instanceof DefinitionError) {
        errors.push(machine.message);
        continue;
      }
      const invalid = await validate(machine);
      if (invalid === undefined) runnable.push(machine.arn);
      else errors.push(`${machine.file}: ${invalid}`);
    }
    return { machines: runnable, errors };
  };

  return {
    /** Every definition in the folder by ARN, read afresh, so an edited file runs at its next start. */
    machines,
    validate,
    inventory,
    start: (machine: LoadedStateMachine, execution: ExecutionStart, resolveTask: TaskResolver) =>
      startExecutionRun(settings, machine, execution, resolveTask),
    /** The ARN an execution of this name gets, as Step Functions forms it. */
    executionArn: (machine: LoadedStateMachine, name: string) =>
      `arn:aws:states:${options.region}:${options.accountId}:execution:${machine.name}:${name}`,
  };
};

export type StateMachineRunner = ReturnType<typeof createStateMachineRunner>;
