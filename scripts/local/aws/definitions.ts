import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stateMachineArn } from '../../lib/stack-context';

/** `${BreakerApplyFunctionArn}`: the DefinitionSubstitutions placeholder of a Task's Lambda function. */
const FUNCTION_PLACEHOLDER = /^([A-Z][A-Za-z0-9]*)FunctionArn$/;
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const DEFINITION_SUFFIX = '.asl.json';

/** The Lambda function a Task state calls, and the module that implements it locally. */
export interface TaskFunction {
  /** `ccb-<stage>-breaker-apply` */
  functionName: string;
  functionArn: string;
  /** Absolute path of `<functions root>/<kebab-case name>.ts`. */
  module: string;
  /** The Task's TimeoutSeconds in ms (60 s by default, as in the runner): the Lambda context's deadline. */
  timeoutMs: number;
}

/** A Wait state's own fields, kept when the stand-in replaces it by a scaled wait. */
export interface WaitSpec {
  Seconds?: number;
  SecondsPath?: string;
  Timestamp?: string;
  TimestampPath?: string;
}

export interface LoadedStateMachine {
  /** `ccb-<stage>-<file basename>` */
  name: string;
  arn: string;
  file: string;
  /** The definition after substitution (and, when waits are scaled, with Wait states rewritten). */
  definition: Record<string, unknown>;
  /** The substituted definition as written, for DescribeStateMachine. */
  definitionText: string;
  /** Task state name -> its function. */
  tasks: Map<string, TaskFunction>;
  /** Names of the states that have a Retry field. */
  retryStates: string[];
  /** Scaled waits only: Wait state name -> its fields. */
  waits: Map<string, WaitSpec>;
}

export interface StateMachineLoadOptions {
  stage: string;
  region: string;
  accountId: string;
  /** Folder holding `<name>.asl.json` files. */
  stateMachinesDir: string;
  /** Folder holding `<kebab-case name>.ts` modules that export `handler`. */
  functionsDir: string;
  /** Extra DefinitionSubstitutions beyond `${<Name>FunctionArn}`. */
  substitutions?: Record<string, string>;
  /** Wait durations are multiplied by this; 1 runs Wait states unchanged. */
  waitScale: number;
}

export class DefinitionError extends Error {
  constructor(file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'DefinitionError';
  }
}

/** BreakerPublishFlags -> breaker-publish-flags: the file name of a function in functions/. */
export const kebabCase = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();

/** The Resource a scaled Wait becomes: a Task the stand-in handles in-process, never called on AWS. */
const SCALED_WAIT_RESOURCE = (region: string, accountId: string) =>
  `arn:aws:lambda:${region}:${accountId}:function:ccb-local-scaled-wait`;

/** A scaled wait must not be cut by the runner's 60 s Task default; its timer must fit in 32 bits of ms. */
const MAX_TASK_TIMEOUT_SECONDS = 2_000_000;

type StatesMap = Record<string, Record<string, unknown>>;

/** Calls `visit` for every state, including those inside Parallel branches and Map iterators. */
const walkStates = (
  states: StatesMap,
  visit: (name: string, state: Record<string, unknown>) => void,
): void => {
  for (const [name, state] of Object.entries(states)) {
    visit(name, state);
    const nested: unknown[] = [
      ...(Array.isArray(state.Branches) ? state.Branches : []),
      state.Iterator,
      state.ItemProcessor,
    ];
    for (const machine of nested) {
      const inner = (machine as { States?: StatesMap } | undefined)?.States;
      if (inner !== undefined && inner !== null && typeof inner === 'object') walkStates(inner, visit);
    }
  }
};

/**
 * Reads one definition file and prepares it for the local runner: substitutes the placeholders,
 * maps every Task to a local function module and, when waits are scaled, rewrites Wait states.
 * Throws DefinitionError when a Task could not run locally (it would otherwise call real AWS).
 */
export const loadStateMachine = async (
  file: string,
  options: StateMachineLoadOptions,
): Promise<LoadedStateMachine> => {
  const base = basename(file, DEFINITION_SUFFIX);
  const name = `ccb-${options.stage}-${base}`;
  const raw = await readFile(file, 'utf8');
  const functionsByArn = new Map<string, Omit<TaskFunction, 'timeoutMs'>>();
  const unknown = new Set<string>();
  const text = raw.replace(PLACEHOLDER, (match, key: string) => {
    const functionKey = FUNCTION_PLACEHOLDER.exec(key)?.[1];
    if (functionKey !== undefined) {
      const functionName = `ccb-${options.stage}-${kebabCase(functionKey)}`;
      const functionArn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${functionName}`;
      functionsByArn.set(functionArn, {
        functionName,
        functionArn,
        module: join(options.functionsDir, `${kebabCase(functionKey)}.ts`),
      });
      return functionArn;
    }
    const value = options.substitutions?.[key];
    if (value === undefined) {
      unknown.add(key);
      return match;
    }
    // The value lands inside a JSON string.
    return JSON.stringify(value).slice(1, -1);
  });
  if (unknown.size > 0)
    throw new DefinitionError(
      file,
      `no local value for DefinitionSubstitutions ${[...unknown].map((k) => `\${${k}}`).join(', ')}`,
    );
  let definition: Record<string, unknown>;
  try {
    definition = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new DefinitionError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (definition.QueryLanguage === 'JSONata')
    throw new DefinitionError(
      file,
      'JSONata definitions are not supported locally; write the ASL in JSONPath',
    );
  const states = definition.States as StatesMap | undefined;
  if (states === undefined || typeof states !== 'object') throw new DefinitionError(file, 'no States');

  const tasks = new Map<string, TaskFunction>();
  const waits = new Map<string, WaitSpec>();
  const retryStates: string[] = [];
  walkStates(states, (stateName, state) => {
    if (state.QueryLanguage === 'JSONata')
      throw new DefinitionError(file, `state ${stateName} uses JSONata, which the local runner ignores`);
    if (Array.isArray(state.Retry)) retryStates.push(stateName);
    if (state.Type === 'Task') {
      const target = functionsByArn.get(String(state.Resource));
      if (target === undefined)
        throw new DefinitionError(
          file,
          `Task ${stateName}: Resource ${JSON.stringify(state.Resource)} is not a \${<Name>FunctionArn} placeholder, so it has no local handler`,
        );
      const previous = tasks.get(stateName);
      if (previous !== undefined && previous.functionArn !== target.functionArn)
        throw new DefinitionError(file, `two Task states named ${stateName} call different functions`);
      const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : 60;
      tasks.set(stateName, { ...target, timeoutMs: timeoutSeconds * 1000 });
    }
    if (state.Type === 'Wait' && options.waitScale !== 1) {
      const spec: WaitSpec = {};
      for (const field of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'] as const) {
        if (state[field] !== undefined) Object.assign(spec, { [field]: state[field] });
        delete state[field];
      }
      waits.set(stateName, spec);
      // A Wait passes on its effective input: a Task whose handler returns its input does the same.
      Object.assign(state, {
        Type: 'Task',
        Resource: SCALED_WAIT_RESOURCE(options.region, options.accountId),
        TimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS,
        Comment: `Wait scaled by ${options.waitScale} in the local stack`,
      });
    }
  });
  return {
    name,
    arn: stateMachineArn(options.stage, base, options),
    file,
    definition,
    definitionText: text,
    tasks,
    retryStates,
    waits,
  };
};

/** Every `*.asl.json` in the folder, by ARN; a file that cannot run locally is reported, not skipped. */
export const loadStateMachines = async (
  options: StateMachineLoadOptions,
): Promise<Map<string, LoadedStateMachine | DefinitionError>> => {
  let files: string[] = [];
  try {
    files = (await readdir(options.stateMachinesDir))
      .filter((entry) => entry.endsWith(DEFINITION_SUFFIX))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const machines = new Map<string, LoadedStateMachine | DefinitionError>();
  for (const entry of files) {
    const file = join(options.stateMachinesDir, entry);
    const arn = stateMachineArn(options.stage, basename(entry, DEFINITION_SUFFIX), options);
    try {
      machines.set(arn, await loadStateMachine(file, options));
    } catch (error) {
      machines.set(arn, error instanceof DefinitionError ? error : new DefinitionError(file, String(error)));
    }
  }
  return machines;
};
