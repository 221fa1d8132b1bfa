import { readFile } from 'node:fs/promises';
import '../../scripts/local/aws/polyfills';
import type { RunOptions, StateMachine } from 'aws-local-stepfunctions';
import { createNotify, type NotifyInput } from '../../functions/core/breaker/alerts';
import { type ApplyTriggerInput, createApplyTrigger } from '../../functions/core/breaker/apply-trigger';
import { createEnforceCap, type EnforceCapInput } from '../../functions/core/breaker/cap-enforcement';
import { createOverride } from '../../functions/core/breaker/override';
import { defaultPolicy } from '../../functions/core/breaker/policy';
import type { Workflow } from '../../functions/core/breaker/ports';
import { createPublishFlags } from '../../functions/core/breaker/publish-flags';
import { createRecordEntry, type RecordInput } from '../../functions/core/breaker/record-entry';
import { createRestoreStep, type RestoreStepInput } from '../../functions/core/breaker/restore-step';
import { usdToNano } from '../../functions/core/money';
import { defaultCheckConfig } from './check-config';
import {
  fixedClock,
  InMemoryAlertPublisher,
  InMemoryBreakerStore,
  InMemoryFlagPublisher,
  InMemoryRolePolicies,
  InMemorySpendSnapshots,
} from './in-memory-breaker';

// The runner is imported lazily, after the polyfill it needs on Node 20 is in place.
type Runner = typeof import('aws-local-stepfunctions');
let runner: Promise<Runner> | undefined;
const loadRunner = (): Promise<Runner> => {
  runner ??= import('aws-local-stepfunctions');
  return runner;
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const STAGE = 'test';
const STATE_MACHINES = new URL('../../statemachines/', import.meta.url);

/** `${BreakerApplyFunctionArn}`: the DefinitionSubstitutions placeholder naming a Task's function. */
const FUNCTION_PLACEHOLDER = /\$\{([A-Z][A-Za-z0-9]*)FunctionArn\}/g;
const ANY_PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

export const kebabCase = (name: string): string => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();

const functionArn = (functionKey: string): string =>
  `arn:aws:lambda:${REGION}:${ACCOUNT}:function:ccb-${STAGE}-${kebabCase(functionKey)}`;

interface AslState {
  Type: string;
  Resource?: string;
  Retry?: unknown[];
  Catch?: unknown[];
}

export interface LoadedDefinition {
  workflow: Workflow;
  /** As written, placeholders and all. */
  raw: Record<string, unknown>;
  /** After DefinitionSubstitutions: every `${<Name>FunctionArn}` is a Lambda ARN, as on deploy. */
  definition: Record<string, unknown>;
  /** Task state name -> the function its Resource placeholder names (`BreakerApply`). */
  tasks: Map<string, string>;
  waits: string[];
  retrying: string[];
}

/** Reads statemachines/<workflow>.asl.json and substitutes its function placeholders as deploy does. */
export const loadDefinition = async (workflow: Workflow): Promise<LoadedDefinition> => {
  const text = await readFile(new URL(`${workflow}.asl.json`, STATE_MACHINES), 'utf8');
  const byArn = new Map<string, string>();
  const substituted = text.replace(FUNCTION_PLACEHOLDER, (_match, key: string) => {
    byArn.set(functionArn(key), key);
    return functionArn(key);
  });
  const unknown = [...substituted.matchAll(ANY_PLACEHOLDER)].map((m) => m[0]);
  if (unknown.length > 0) throw new Error(`${workflow}: no test value for ${unknown.join(', ')}`);
  const definition = JSON.parse(substituted) as { States: Record<string, AslState> };
  const tasks = new Map<string, string>();
  const waits: string[] = [];
  const retrying: string[] = [];
  for (const [name, state] of Object.entries(definition.States)) {
    if (state.Type === 'Wait') waits.push(name);
    if (state.Retry !== undefined) retrying.push(name);
    if (state.Type !== 'Task') continue;
    const key = byArn.get(String(state.Resource));
    if (key === undefined) {
      throw new Error(
        `${workflow}: Task ${name} has Resource ${state.Resource}, not a \${<Name>FunctionArn}`,
      );
    }
    tasks.set(name, key);
  }
  return { workflow, raw: JSON.parse(text) as Record<string, unknown>, definition, tasks, waits, retrying };
};

type TaskFunction = (input: unknown) => Promise<unknown>;

/** SSM with a history of every successful PutParameter batch, to see what was published in between. */
export class RecordingFlagPublisher extends InMemoryFlagPublisher {
  readonly history: { values: Record<string, string>; description: string }[] = [];

  override async publish(values: Readonly<Record<string, string>>, description: string): Promise<void> {
    await super.publish(values, description);
    this.history.push({ values: { ...values }, description });
  }
}

export interface BreakerWorld {
  store: InMemoryBreakerStore;
  flags: RecordingFlagPublisher;
  alerts: InMemoryAlertPublisher;
  spend: InMemorySpendSnapshots;
  /** IAM inline policies of the roles the cap denies (capEnforcementRoles). */
  iam: InMemoryRolePolicies;
  clock: ReturnType<typeof fixedClock>;
  capNano: number;
  /** Each task function by the name its placeholder gives it, wired as functions/breaker-*.ts wire theirs. */
  functions: Record<string, TaskFunction>;
}

export interface WorldOptions {
  now: string;
  dailyBudgetUsd?: number;
  /** A store with injected behaviour; a fresh in-memory one by default. */
  store?: InMemoryBreakerStore;
  /** The stage's capEnforcementRoles; none by default, as serverless.yml has it. */
  capEnforcementRoles?: string[];
}

/**
 * The breaker's use cases on in-memory ports: the same factories the Lambda tasks call, with the fakes
 * where the handlers pass DynamoDB, SSM and SNS adapters.
 */
export const breakerWorld = ({
  now,
  dailyBudgetUsd = 1_000,
  store = new InMemoryBreakerStore(),
  capEnforcementRoles = [],
}: WorldOptions) => {
  const iam = new InMemoryRolePolicies();
  const flags = new RecordingFlagPublisher();
  const alerts = new InMemoryAlertPublisher();
  const spend = new InMemorySpendSnapshots();
  const clock = fixedClock(now);
  const capNano = usdToNano(dailyBudgetUsd);

  const applyTrigger = createApplyTrigger({ store, clock });
  const publishFlags = createPublishFlags({ store, publisher: flags });
  const notify = createNotify({ publisher: alerts, stage: STAGE, policy: defaultPolicy(dailyBudgetUsd) });
  const recordEntry = createRecordEntry({ store, clock });
  const override = createOverride({ store, clock });
  const restoreStep = createRestoreStep({
    store,
    clock,
    spend,
    config: defaultCheckConfig(capNano, {}),
    stepSeconds: 900,
  });
  const enforceCap = createEnforceCap({
    store,
    policies: iam,
    roles: capEnforcementRoles,
    stage: STAGE,
    clock,
  });

  type OverrideTaskInput =
    | { action: 'apply'; request: unknown; execution: string }
    | { action: 'revert'; execution: string };

  // The events are what the ASL hands the task; the casts stand where the handlers declare their input.
  const functions: Record<string, TaskFunction> = {
    BreakerApply: (input) => applyTrigger(input as ApplyTriggerInput),
    BreakerPublishFlags: (input) => publishFlags(input as { execution: string; reason: string }),
    BreakerNotify: (input) => notify(input as NotifyInput),
    BreakerRecord: (input) => recordEntry(input as RecordInput),
    BreakerOverride: (input) => {
      const task = input as OverrideTaskInput;
      return task.action === 'apply'
        ? override.apply(task.request, task.execution)
        : override.revert(task.execution);
    },
    BreakerRestoreStep: (input) => restoreStep(input as RestoreStepInput),
    BreakerEnforceCap: (input) => enforceCap(input as EnforceCapInput),
  };
  return { store, flags, alerts, spend, iam, clock, capNano, functions } satisfies BreakerWorld;
};

/**
 * What a Lambda function's error becomes in Step Functions: the error is the thrown error's name
 * (`errorType`), the cause the JSON of errorType, errorMessage and trace, as on AWS.
 */
class LambdaFunctionError extends Error {
  constructor(error: unknown) {
    const errorType = error instanceof Error ? error.name : 'Error';
    const errorMessage = error instanceof Error ? error.message : String(error);
    super(JSON.stringify({ errorType, errorMessage, trace: [] }));
    this.name = errorType;
  }
}

/** Lambda events and results cross the wire as JSON. */
const asJson = (value: unknown): Json =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value)) as Json);

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

const machines = new Map<Workflow, Promise<{ loaded: LoadedDefinition; machine: StateMachine }>>();
const machineFor = (workflow: Workflow) => {
  let found = machines.get(workflow);
  if (found === undefined) {
    found = (async () => {
      const [{ StateMachine }, loaded] = await Promise.all([loadRunner(), loadDefinition(workflow)]);
      const definition = structuredClone(loaded.definition) as unknown as ConstructorParameters<
        typeof StateMachine
      >[0];
      return {
        loaded,
        machine: new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } }),
      };
    })();
    machines.set(workflow, found);
  }
  return found;
};

/**
 * Runs one execution of the real definition with every Task mapped, by the function its Resource
 * placeholder names, to the world's use case (a Task whose function the world lacks fails the run
 * before it starts, so nothing can fall through to real AWS). Waits and retry pauses are cut to zero;
 * `$$.Execution.Name` is `name`, as the execution name Step Functions would have.
 */
export const runExecution = async (
  world: Pick<BreakerWorld, 'functions'>,
  workflow: Workflow,
  name: string,
  input: unknown,
  options: RunExecutionOptions = {},
): Promise<ExecutionResult> => {
  const { loaded, machine } = await machineFor(workflow);
  const handlers: Record<string, (input: Json) => Promise<Json>> = {};
  for (const [stateName, functionKey] of loaded.tasks) {
    const fn = world.functions[functionKey];
    if (fn === undefined)
      throw new Error(`${workflow}: Task ${stateName} calls ${functionKey}, which has no local handler`);
    handlers[stateName] = async (event) => {
      await options.beforeTask?.[stateName]?.();
      try {
        return asJson(await fn(asJson(event)));
      } catch (error) {
        throw new LambdaFunctionError(error);
      }
    };
  }
  const unknownHooks = Object.keys(options.beforeTask ?? {}).filter(
    (stateName) => !loaded.tasks.has(stateName),
  );
  if (unknownHooks.length > 0) throw new Error(`${workflow}: no Task state named ${unknownHooks.join(', ')}`);

  const runOptions: RunOptions = {
    context: {
      Execution: {
        Id: `arn:aws:states:${REGION}:${ACCOUNT}:execution:ccb-${STAGE}-${workflow}:${name}`,
        Name: name,
      },
      StateMachine: { Id: `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:ccb-${STAGE}-${workflow}` },
    },
    overrides: {
      taskResourceLocalHandlers: handlers,
      waitTimeOverrides: Object.fromEntries(loaded.waits.map((stateName) => [stateName, 0])),
      retryIntervalOverrides: Object.fromEntries(loaded.retrying.map((stateName) => [stateName, 0])),
    },
  };
  const execution = machine.run(asJson(input), runOptions);
  const states: string[] = [];
  const retried: string[] = [];
  const history = (async () => {
    for await (const event of execution.eventLogs) {
      if (event.type === 'StateEntered') states.push(event.state.name);
      if (event.type === 'StateRetried') retried.push(event.state.name);
      if (states.length > MAX_STATES) execution.abort();
    }
  })();
  try {
    const output = await execution.result;
    await history;
    return { status: 'SUCCEEDED', output, states, retried };
  } catch (error) {
    await history;
    if (states.length > MAX_STATES) {
      return {
        status: 'FAILED',
        error: 'TooManyStates',
        cause: `looped: ${states.slice(-6).join(' > ')}`,
        states,
        retried,
      };
    }
    const failure = (error as { cause?: unknown }).cause;
    const { name: errorName, message } =
      failure instanceof Error ? failure : { name: 'Error', message: String(error) };
    return { status: 'FAILED', error: errorName, cause: message, states, retried };
  }
};

/** A promise with its resolve function, to hold a task until another execution got somewhere. */
export const gate = (): { opened: Promise<void>; open: () => void } => {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
};
