import { invokeAsLambda, type JsonValue, type TaskInvoker } from './lambda-invocation';
import { loadRunner, type RunnerModule } from './runner-module';
import type { scaledWait } from './scaled-wait';
import type { LoadedStateMachine, TaskFunction } from './state-machine-model';

/** Which function runs a Task state: the local stack's handler modules, or a test's use cases. */
export type TaskResolver = (task: TaskFunction, stateName: string) => TaskInvoker;

/** What StartExecution knows of an execution before it runs. */
export interface ExecutionStart {
  executionArn: string;
  name: string;
  /** The execution's input as JSON text. */
  input: string;
  startDate: string;
}

export type ExecutionOutcome =
  | { status: 'SUCCEEDED'; output: JsonValue }
  | { status: 'FAILED' | 'TIMED_OUT'; error: string; cause: string }
  | { status: 'ABORTED' };

type Execution = ReturnType<InstanceType<RunnerModule['StateMachine']>['run']>;
export type RunnerEvent = Execution['eventLogs'] extends AsyncGenerator<infer Event> ? Event : never;

export interface RunningExecution {
  /** The runner's event log, step by step, until the execution ends. */
  events: AsyncGenerator<RunnerEvent>;
  /** Settles when the execution ends; never rejects. */
  outcome: Promise<ExecutionOutcome>;
  abort(): void;
}

/** How the runner's executions are set up, the same for each. */
export interface ExecutionRunSettings {
  region: string;
  accountId: string;
  retryIntervalMs?: number;
  wait: ReturnType<typeof scaledWait>;
}

const outcomeOfFailure = (runner: RunnerModule, error: unknown): ExecutionOutcome => {
  if (error instanceof runner.ExecutionTimeoutError)
    return { status: 'TIMED_OUT', error: 'States.Timeout', cause: 'the execution timed out' };
  if (error instanceof runner.ExecutionAbortedError) return { status: 'ABORTED' };
  const failure = (error as { cause?: unknown }).cause ?? error;
  const { name, message } =
    failure instanceof Error ? failure : { name: 'States.Runtime', message: String(failure) };
  return { status: 'FAILED', error: name, cause: message };
};

/** The context object (`$$`) as Step Functions fills it for an execution. */
const contextOf = (
  settings: ExecutionRunSettings,
  machine: LoadedStateMachine,
  execution: ExecutionStart,
) => ({
  Execution: {
    Id: execution.executionArn,
    Name: execution.name,
    Input: JSON.parse(execution.input) as JsonValue,
    StartTime: execution.startDate,
    RoleArn: `arn:aws:iam::${settings.accountId}:role/${machine.name}-role`,
  },
  StateMachine: { Id: machine.arn, Name: machine.name },
});

/** Every Task runs in-process (a Lambda invocation or a scaled wait): nothing falls through to AWS. */
const overridesOf = (
  settings: ExecutionRunSettings,
  machine: LoadedStateMachine,
  context: Record<string, unknown>,
  signal: AbortSignal,
  resolveTask: TaskResolver,
) => {
  const handlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
  for (const [stateName, task] of machine.tasks) {
    const invoke = resolveTask(task, stateName);
    handlers[stateName] = (input) => invokeAsLambda(invoke, input);
  }
  for (const [stateName, spec] of machine.waits)
    handlers[stateName] = (input) => settings.wait(spec, input, context, signal);
  return {
    taskResourceLocalHandlers: handlers,
    ...(settings.retryIntervalMs !== undefined && {
      retryIntervalOverrides: Object.fromEntries(
        machine.retryStates.map((name) => [name, settings.retryIntervalMs ?? 0]),
      ),
    }),
  };
};

/** Starts one execution of a validated definition; a Task its resolver refuses fails the start. */
export const startExecutionRun = async (
  settings: ExecutionRunSettings,
  machine: LoadedStateMachine,
  execution: ExecutionStart,
  resolveTask: TaskResolver,
): Promise<RunningExecution> => {
  const runner = await loadRunner();
  const controller = new AbortController();
  const context = contextOf(settings, machine, execution);
  const overrides = overridesOf(settings, machine, context, controller.signal, resolveTask);
  const stateMachine = new runner.StateMachine(machine.definition as never, {
    validationOptions: { noValidate: true },
    awsConfig: { region: settings.region },
  });
  const run = stateMachine.run(JSON.parse(execution.input) as JsonValue, { context, overrides });
  return {
    events: run.eventLogs,
    outcome: run.result.then(
      (output): ExecutionOutcome => ({ status: 'SUCCEEDED', output }),
      (error: unknown) => outcomeOfFailure(runner, error),
    ),
    abort: () => {
      controller.abort();
      run.abort();
    },
  };
};
