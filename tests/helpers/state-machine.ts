import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Workflow } from '../../functions/core/breaker/ports';
import { stateMachineArn } from '../../scripts/lib/stack-context';
import { loadStateMachine } from '../../scripts/local/aws/sfn/definitions';
import type {
  ExecutionOutcome,
  RunningExecution,
  TaskResolver,
} from '../../scripts/local/aws/sfn/execution-run';
import { functionKeyOf, kebabCase } from '../../scripts/local/aws/sfn/placeholders';
import { createStateMachineRunner } from '../../scripts/local/aws/sfn/runner';
import {
  DefinitionError,
  type LoadedStateMachine,
  type StateMachineLoadOptions,
} from '../../scripts/local/aws/sfn/state-machine-model';
import { projectRoot } from '../../scripts/local/paths';
import { type BreakerWorld, STAGE } from './breaker-world';

/** The state machines as deploy substitutes them, in a test stage and account. */
const DEPLOYED: StateMachineLoadOptions = {
  stage: STAGE,
  region: 'us-east-1',
  accountId: '123456789012',
  stateMachinesDir: join(projectRoot, 'statemachines'),
  functionsDir: join(projectRoot, 'functions'),
  waitScale: 1,
};

/**
 * The local stack's runner, with waits scaled to nothing and retry pauses cut to zero, so an
 * execution runs as the local Step Functions runs it, without waiting on the clock.
 */
const runner = createStateMachineRunner({
  ...DEPLOYED,
  waitScale: 0,
  retryIntervalMs: 0,
  sleep: () => Promise.resolve(),
});

export interface LoadedDefinition {
  workflow: Workflow;
  /** As written, placeholders and all. */
  raw: Record<string, unknown>;
  /** After DefinitionSubstitutions: every `${<Name>FunctionArn}` is a Lambda ARN, as on deploy. */
  definition: Record<string, unknown>;
  /** Task state name -> the function its Resource placeholder names (`BreakerApply`). */
  tasks: Map<string, string>;
}

/** Reads statemachines/<workflow>.asl.json and substitutes its placeholders as deploy does. */
export const loadDefinition = async (workflow: Workflow): Promise<LoadedDefinition> => {
  const machine = await loadStateMachine(join(DEPLOYED.stateMachinesDir, `${workflow}.asl.json`), DEPLOYED);
  const raw = JSON.parse(await readFile(machine.file, 'utf8')) as {
    States: Record<string, { Resource?: unknown }>;
  };
  const tasks = new Map<string, string>();
  for (const stateName of machine.tasks.keys()) {
    const functionKey = functionKeyOf(raw.States[stateName]?.Resource);
    if (functionKey === undefined) throw new Error(`${workflow}: Task ${stateName} is not a top-level state`);
    tasks.set(stateName, functionKey);
  }
  return { workflow, raw, definition: machine.definition, tasks };
};

export interface ExecutionResult {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  /** Names of the states entered, in order: the execution's history. */
  states: string[];
  /** Names of the states retried, once per retry. */
  retried: string[];
}

export interface RunExecutionOptions {
  /** Runs before the named Task state's function: lets a test hold one execution while another runs. */
  beforeTask?: Partial<Record<string, () => Promise<void>>>;
}

/** With waits cut to zero a looping definition would spin until the test times out; stop it instead. */
const MAX_STATES = 500;

const machines = new Map<Workflow, Promise<LoadedStateMachine>>();
/** The workflow's state machine as the local Step Functions loads it, validated as it validates it. */
const machineFor = (workflow: Workflow): Promise<LoadedStateMachine> => {
  let found = machines.get(workflow);
  if (found === undefined) {
    found = (async () => {
      const machine = (await runner.machines()).get(stateMachineArn(STAGE, workflow, DEPLOYED));
      if (machine === undefined) throw new Error(`${workflow}: no statemachines/${workflow}.asl.json`);
      if (machine instanceof DefinitionError) throw machine;
      const invalid = await runner.validate(machine);
      if (invalid !== undefined) throw new Error(`${workflow}: ${invalid}`);
      return machine;
    })();
    machines.set(workflow, found);
  }
  return found;
};

/**
 * Each Task runs the world's use case of its function module (functions/breaker-apply.ts ->
 * `BreakerApply`); a Task whose function the world lacks fails the start.
 */
const worldTasks = (
  world: Pick<BreakerWorld, 'functions'>,
  workflow: Workflow,
  options: RunExecutionOptions,
): TaskResolver => {
  const byModule = new Map(Object.entries(world.functions).map(([key, fn]) => [kebabCase(key), fn]));
  return (task, stateName) => {
    const fn = byModule.get(basename(task.module, '.ts'));
    if (fn === undefined)
      throw new Error(
        `${workflow}: Task ${stateName} calls ${task.functionName}, which has no local handler`,
      );
    return async (event) => {
      await options.beforeTask?.[stateName]?.();
      return fn(event);
    };
  };
};

/** The states entered and retried, in order; stops an execution that loops. */
const followHistory = async (execution: RunningExecution) => {
  const states: string[] = [];
  const retried: string[] = [];
  for await (const event of execution.events) {
    if (event.type === 'StateEntered') states.push(event.state.name);
    if (event.type === 'StateRetried') retried.push(event.state.name);
    if (states.length > MAX_STATES) execution.abort();
  }
  return { states, retried };
};

const resultOf = (
  outcome: ExecutionOutcome,
  history: Pick<ExecutionResult, 'states' | 'retried'>,
): ExecutionResult => {
  if (outcome.status === 'SUCCEEDED') return { status: 'SUCCEEDED', output: outcome.output, ...history };
  if (history.states.length > MAX_STATES)
    return {
      status: 'FAILED',
      error: 'TooManyStates',
      cause: `looped: ${history.states.slice(-6).join(' > ')}`,
      ...history,
    };
  if (outcome.status === 'ABORTED')
    return { status: 'FAILED', error: 'ExecutionAborted', cause: 'the execution was aborted', ...history };
  return { status: 'FAILED', error: outcome.error, cause: outcome.cause, ...history };
};

/**
 * Runs one execution of the real definition as the local Step Functions runs it, with every Task
 * mapped to the world's use case of its function (a Task whose function the world lacks fails the
 * run before it starts, so nothing can fall through to real AWS). Waits and retry pauses are cut to
 * zero; `$$.Execution.Name` is `name`, as the execution name Step Functions would have.
 */
export const runExecution = async (
  world: Pick<BreakerWorld, 'functions'>,
  workflow: Workflow,
  name: string,
  input: unknown,
  options: RunExecutionOptions = {},
): Promise<ExecutionResult> => {
  const machine = await machineFor(workflow);
  const unknownHooks = Object.keys(options.beforeTask ?? {}).filter(
    (stateName) => !machine.tasks.has(stateName),
  );
  if (unknownHooks.length > 0) throw new Error(`${workflow}: no Task state named ${unknownHooks.join(', ')}`);
  const execution = await runner.start(
    machine,
    {
      executionArn: runner.executionArn(machine, name),
      name,
      input: JSON.stringify(input ?? null),
      startDate: new Date().toISOString(),
    },
    worldTasks(world, workflow, options),
  );
  const history = followHistory(execution);
  const outcome = await execution.outcome;
  return resultOf(outcome, await history);
};

/** A promise with its resolve function, to hold a task until another execution got somewhere. */
export const gate = (): { opened: Promise<void>; open: () => void } => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};
