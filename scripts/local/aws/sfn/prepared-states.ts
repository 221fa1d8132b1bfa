import type { FunctionsByArn } from './placeholders';
import {
  DefinitionError,
  type LoadedStateMachine,
  type StateMachineLoadOptions,
  type TaskFunction,
  type WaitSpec,
} from './state-machine-model';

/** The Resource a scaled Wait becomes: a Task the stand-in handles in-process, never called on AWS. */
const SCALED_WAIT_RESOURCE = (region: string, accountId: string) =>
  `arn:aws:lambda:${region}:${accountId}:function:ccb-local-scaled-wait`;

/** A scaled wait must not be cut by the runner's 60 s Task default; its timer must fit in 32 bits of ms. */
const MAX_TASK_TIMEOUT_SECONDS = 2_000_000;

export type StatesMap = Record<string, Record<string, unknown>>;

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

const taskFunctionOf = (
  file: string,
  stateName: string,
  state: Record<string, unknown>,
  functionsByArn: FunctionsByArn,
): TaskFunction => {
  const target = functionsByArn.get(String(state.Resource));
  if (target === undefined)
    throw new DefinitionError(
      file,
      `Task ${stateName}: Resource ${JSON.stringify(state.Resource)} is not a \${<Name>FunctionArn} placeholder, so it has no local handler`,
    );
  const timeoutSeconds = typeof state.TimeoutSeconds === 'number' ? state.TimeoutSeconds : 60;
  return { ...target, timeoutMs: timeoutSeconds * 1000 };
};

/** Rewrites a Wait state, in place, into the Task of a scaled wait; returns the fields it took out. */
const scaleWait = (state: Record<string, unknown>, options: StateMachineLoadOptions): WaitSpec => {
  const spec: WaitSpec = {};
  for (const field of ['Seconds', 'SecondsPath', 'Timestamp', 'TimestampPath'] as const) {
    if (state[field] !== undefined) Object.assign(spec, { [field]: state[field] });
    delete state[field];
  }
  // A Wait passes on its effective input: a Task whose handler returns its input does the same.
  Object.assign(state, {
    Type: 'Task',
    Resource: SCALED_WAIT_RESOURCE(options.region, options.accountId),
    TimeoutSeconds: MAX_TASK_TIMEOUT_SECONDS,
    Comment: `Wait scaled by ${options.waitScale} in the local stack`,
  });
  return spec;
};

/** Maps every Task to its function and, when waits are scaled, rewrites the Wait states. */
export const prepareStates = (
  file: string,
  states: StatesMap,
  functionsByArn: FunctionsByArn,
  options: StateMachineLoadOptions,
): Pick<LoadedStateMachine, 'tasks' | 'waits' | 'retryStates'> => {
  const tasks = new Map<string, TaskFunction>();
  const waits = new Map<string, WaitSpec>();
  const retryStates: string[] = [];
  walkStates(states, (stateName, state) => {
    if (state.QueryLanguage === 'JSONata')
      throw new DefinitionError(file, `state ${stateName} uses JSONata, which the local runner ignores`);
    if (Array.isArray(state.Retry)) retryStates.push(stateName);
    if (state.Type === 'Task') {
      const task = taskFunctionOf(file, stateName, state, functionsByArn);
      const previous = tasks.get(stateName);
      if (previous !== undefined && previous.functionArn !== task.functionArn)
        throw new DefinitionError(file, `two Task states named ${stateName} call different functions`);
      tasks.set(stateName, task);
    }
    if (state.Type === 'Wait' && options.waitScale !== 1) waits.set(stateName, scaleWait(state, options));
  });
  return { tasks, waits, retryStates };
};
