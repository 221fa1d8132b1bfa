import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { readJsonIfExists, type WriteQueue, writeJsonAtomic, writeQueue } from '../json-file';
import { lambdaContext } from '../lambda-context';
import type { Logger } from '../log';
import {
  DefinitionError,
  type LoadedStateMachine,
  loadStateMachines,
  type StateMachineLoadOptions,
  type TaskFunction,
  type WaitSpec,
} from './definitions';
import {
  AwsServiceError,
  decodeToken,
  dispatchJsonOperation,
  encodeToken,
  epochSeconds,
  type JsonOperation,
  optionalInteger,
  optionalString,
  requiredString,
} from './protocol';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
const STATUSES = new Set<string>([
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
]);

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

const MAX_INPUT_BYTES = 256 * 1024;
const MAX_EVENTS = 500;
// Whitespace, brackets, wildcards and the special characters Step Functions rejects in a name.
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;
const isControlCharacter = (character: string): boolean => {
  const code = character.codePointAt(0) ?? 0;
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
};
const isValidName = (name: string): boolean =>
  name.length >= 1 &&
  name.length <= 80 &&
  !INVALID_NAME_CHARACTER.test(name) &&
  ![...name].some(isControlCharacter);

export interface SfnServiceOptions extends StateMachineLoadOptions {
  /** `<home>/aws/sfn` */
  dataDir: string;
  /** Every Retry waits this long instead of its IntervalSeconds and BackoffRate; unset keeps the ASL's. */
  retryIntervalMs?: number;
  /** How a scaled Wait waits its scaled time; the execution's abort signal ends it early. Default a timer. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  log?: Logger;
}

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type LambdaHandler = (event: unknown, context: Context) => Promise<unknown> | unknown;
type RunnerModule = typeof import('aws-local-stepfunctions');

let runnerModule: Promise<RunnerModule> | undefined;
/** The runner needs Promise.withResolvers, which Node 20 lacks: the polyfill loads first. */
const loadRunner = (): Promise<RunnerModule> => {
  runnerModule ??= import('./polyfills').then(() => import('aws-local-stepfunctions'));
  return runnerModule;
};

/**
 * What a Lambda function's error becomes in Step Functions: the error is its `errorType` (the
 * thrown error's `name`), the cause the JSON of errorType, errorMessage and trace, as on AWS.
 */
export class LambdaFunctionError extends Error {
  constructor(errorType: string, errorMessage: string, trace: string[] = []) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }

  static from(error: unknown): LambdaFunctionError {
    if (error instanceof Error)
      return new LambdaFunctionError(error.name || 'Error', error.message, error.stack?.split('\n') ?? []);
    return new LambdaFunctionError('Error', String(error));
  }
}

/** A runtime error of the runner itself: not retried or caught, as States.Runtime on AWS. */
class StatesRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'States.Runtime';
  }

  get isRetryable(): boolean {
    return false;
  }

  get isCatchable(): boolean {
    return false;
  }
}

const fileNameOf = (name: string): string => `${encodeURIComponent(name).replaceAll('.', '%2E')}.json`;

const toJson = (value: unknown): JsonValue =>
  value === undefined ? null : (JSON.parse(JSON.stringify(value)) as JsonValue);

/**
 * Step Functions for the local stack: StartExecution (execution names are idempotency keys, as on AWS),
 * DescribeExecution, ListExecutions, StopExecution, ListStateMachines and DescribeStateMachine.
 * Executions run `statemachines/*.asl.json` with aws-local-stepfunctions in this process; each Task
 * calls the exported `handler` of its function module with a Lambda context.
 */
export const createSfnService = async (options: SfnServiceOptions) => {
  const log: Logger = options.log ?? (() => undefined);
  const waitFor =
    options.sleep ??
    ((ms: number, signal: AbortSignal) => sleep(ms, undefined, { signal }).catch(() => undefined));
  const executionsDir = join(options.dataDir, 'executions');
  const executions = new Map<string, ExecutionRecord>();
  const running = new Map<string, { abort: () => void; controller: AbortController }>();
  const writes = new Map<string, WriteQueue>();
  const handlers = new Map<string, Promise<LambdaHandler>>();
  let closing = false;

  const machineNameOf = (record: ExecutionRecord) =>
    record.stateMachineArn.slice(record.stateMachineArn.lastIndexOf(':') + 1);
  const pathOf = (record: ExecutionRecord) =>
    join(executionsDir, machineNameOf(record), fileNameOf(record.name));

  /** Writes are queued per execution, each with the record as it is when its turn comes. */
  const persist = (record: ExecutionRecord): Promise<void> => {
    const queue = writes.get(record.executionArn) ?? writeQueue();
    writes.set(record.executionArn, queue);
    return queue.run(() => writeJsonAtomic(pathOf(record), record));
  };

  // Executions the last server left RUNNING can never finish: they fail, visibly, instead of vanishing.
  await mkdir(executionsDir, { recursive: true });
  const interrupted: string[] = [];
  for (const machine of await readdir(executionsDir)) {
    const folder = join(executionsDir, machine);
    for (const entry of (await readdir(folder).catch(() => [] as string[])).filter((e) =>
      e.endsWith('.json'),
    )) {
      const record = await readJsonIfExists<ExecutionRecord>(join(folder, entry)).catch(() => undefined);
      if (record === undefined) continue;
      if (record.status === 'RUNNING') {
        Object.assign(record, { status: 'FAILED', stopDate: new Date().toISOString(), ...RESTART_ERROR });
        record.events.push({ timestamp: record.stopDate ?? '', type: 'ExecutionFailed', ...RESTART_ERROR });
        interrupted.push(record.executionArn);
        await persist(record);
      }
      executions.set(record.executionArn, record);
    }
  }
  if (interrupted.length > 0)
    log('warn', 'executions that were running when the stack stopped are marked FAILED', {
      executions: interrupted,
    });

  const machines = () => loadStateMachines(options);

  // The runner validates a definition in 0.1-0.3 s; each distinct definition is validated once.
  const validations = new Map<string, string | undefined>();
  const validate = async (machine: LoadedStateMachine): Promise<string | undefined> => {
    const key = JSON.stringify(machine.definition);
    if (!validations.has(key)) {
      const { StateMachine } = await loadRunner();
      try {
        new StateMachine(machine.definition as never, {
          validationOptions: { checkPaths: true, checkArn: true },
        });
        validations.set(key, undefined);
      } catch (error) {
        validations.set(key, (error as Error).message);
      }
    }
    return validations.get(key);
  };

  const machineFor = async (arn: string): Promise<LoadedStateMachine> => {
    const machine = (await machines()).get(arn);
    if (machine === undefined)
      throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    if (machine instanceof DefinitionError) throw new AwsServiceError('InvalidDefinition', machine.message);
    return machine;
  };

  const loadHandler = (task: TaskFunction): Promise<LambdaHandler> => {
    let loaded = handlers.get(task.module);
    if (loaded === undefined) {
      loaded = import(pathToFileURL(task.module).href).then((module: { handler?: unknown }) => {
        if (typeof module.handler !== 'function')
          throw new LambdaFunctionError(
            'Runtime.HandlerNotFound',
            `${task.module} does not export a function named handler`,
          );
        return module.handler as LambdaHandler;
      });
      loaded.catch(() => handlers.delete(task.module));
      handlers.set(task.module, loaded);
    }
    return loaded;
  };

  /** One Lambda invocation: the Task's effective input is the event, the return value its result. */
  const invoke = async (task: TaskFunction, input: unknown): Promise<JsonValue> => {
    if (!existsSync(task.module))
      throw new LambdaFunctionError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${task.functionArn} (no local module ${task.module})`,
      );
    let handler: LambdaHandler;
    try {
      handler = await loadHandler(task);
    } catch (error) {
      throw error instanceof LambdaFunctionError
        ? error
        : new LambdaFunctionError('Runtime.ImportModuleError', (error as Error).message ?? String(error));
    }
    const context = lambdaContext({
      functionName: task.functionName,
      region: options.region,
      accountId: options.accountId,
      requestId: randomUUID(),
      timeoutMs: task.timeoutMs,
      memoryLimitInMB: 1024,
    });
    try {
      return toJson(await handler(toJson(input), context));
    } catch (error) {
      throw LambdaFunctionError.from(error);
    }
  };

  /** Evaluates a reference path with the runner's own JSONPath rules, through a one-state machine. */
  const evaluatePath = async (
    path: string,
    input: JsonValue,
    context: Record<string, unknown>,
  ): Promise<unknown> => {
    const { StateMachine } = await loadRunner();
    const probe = new StateMachine(
      { StartAt: 'Probe', States: { Probe: { Type: 'Pass', Parameters: { 'value.$': path }, End: true } } },
      { validationOptions: { noValidate: true } },
    );
    const result = (await probe.run(input, { context }).result) as { value?: unknown };
    return result.value;
  };

  const scaledWait = async (
    spec: WaitSpec,
    input: JsonValue,
    context: Record<string, unknown>,
    signal: AbortSignal,
  ) => {
    let ms = 0;
    if (spec.Seconds !== undefined) ms = spec.Seconds * 1000;
    else if (spec.SecondsPath !== undefined) {
      const seconds = await evaluatePath(spec.SecondsPath, input, context).catch((error: Error) => {
        throw new StatesRuntimeError(error.message);
      });
      if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
        throw new StatesRuntimeError(
          `Path expression '${spec.SecondsPath}' does not point to a non-negative integer`,
        );
      ms = seconds * 1000;
    } else {
      const timestamp =
        spec.Timestamp ??
        (spec.TimestampPath === undefined
          ? undefined
          : await evaluatePath(spec.TimestampPath, input, context));
      if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))
        throw new StatesRuntimeError(
          `Wait timestamp ${JSON.stringify(timestamp)} is not an RFC 3339 timestamp`,
        );
      ms = Math.max(0, Date.parse(timestamp) - Date.now());
    }
    await waitFor(ms * options.waitScale, signal);
    return input;
  };

  const finish = async (record: ExecutionRecord, outcome: Partial<ExecutionRecord>) => {
    running.delete(record.executionArn);
    if (closing || record.status !== 'RUNNING') return;
    const finished: ExecutionRecord = Object.assign(record, outcome, { stopDate: new Date().toISOString() });
    log(finished.status === 'SUCCEEDED' ? 'info' : 'warn', `execution ${record.status}`, {
      executionArn: record.executionArn,
      ...(record.error !== undefined && { error: record.error, cause: record.cause }),
    });
    await persist(record).catch((error: unknown) =>
      log('error', 'could not write an execution', {
        executionArn: record.executionArn,
        error: String(error),
      }),
    );
  };

  const start = async (record: ExecutionRecord, machine: LoadedStateMachine) => {
    const runner = await loadRunner();
    const controller = new AbortController();
    const context = {
      Execution: {
        Id: record.executionArn,
        Name: record.name,
        Input: JSON.parse(record.input) as JsonValue,
        StartTime: record.startDate,
        RoleArn: `arn:aws:iam::${options.accountId}:role/${machine.name}-role`,
      },
      StateMachine: { Id: machine.arn, Name: machine.name },
    };
    const localHandlers: Record<string, (input: JsonValue) => Promise<JsonValue>> = {};
    for (const [stateName, task] of machine.tasks) localHandlers[stateName] = (input) => invoke(task, input);
    for (const [stateName, spec] of machine.waits)
      localHandlers[stateName] = (input) => scaledWait(spec, input, context, controller.signal);
    const stateMachine = new runner.StateMachine(machine.definition as never, {
      validationOptions: { noValidate: true },
      awsConfig: { region: options.region },
    });
    const execution = stateMachine.run(JSON.parse(record.input) as JsonValue, {
      context,
      overrides: {
        taskResourceLocalHandlers: localHandlers,
        ...(options.retryIntervalMs !== undefined && {
          retryIntervalOverrides: Object.fromEntries(
            machine.retryStates.map((name) => [name, options.retryIntervalMs ?? 0]),
          ),
        }),
      },
    });
    running.set(record.executionArn, {
      controller,
      abort: () => {
        controller.abort();
        execution.abort();
      },
    });
    void (async () => {
      for await (const event of execution.eventLogs) {
        if (record.events.length >= MAX_EVENTS) continue;
        const detail = event as { state?: { name: string }; Error?: string; Cause?: unknown };
        record.events.push({
          timestamp: new Date(event.timestamp).toISOString(),
          type: event.type,
          ...(detail.state !== undefined && { state: detail.state.name }),
          ...(detail.Error !== undefined && { error: detail.Error, cause: String(detail.Cause) }),
        });
      }
    })().catch(() => undefined);
    execution.result.then(
      (output) => finish(record, { status: 'SUCCEEDED', output: JSON.stringify(output ?? null) }),
      (error: unknown) => {
        if (error instanceof runner.ExecutionTimeoutError)
          return finish(record, {
            status: 'TIMED_OUT',
            error: 'States.Timeout',
            cause: 'the execution timed out',
          });
        if (error instanceof runner.ExecutionAbortedError) return finish(record, { status: 'ABORTED' });
        const failure = (error as { cause?: unknown }).cause ?? error;
        const { name, message } =
          failure instanceof Error ? failure : { name: 'States.Runtime', message: String(failure) };
        return finish(record, { status: 'FAILED', error: name, cause: message });
      },
    );
  };

  const startExecution = async (body: Record<string, unknown>) => {
    const stateMachineArn = requiredString(body, 'stateMachineArn');
    const name = optionalString(body, 'name') ?? randomUUID();
    if (!isValidName(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
    const input = optionalString(body, 'input') ?? '{}';
    if (Buffer.byteLength(input) > MAX_INPUT_BYTES)
      throw new AwsServiceError('InvalidExecutionInput', 'the input is larger than 256 KiB');
    try {
      JSON.parse(input);
    } catch {
      throw new AwsServiceError(
        'InvalidExecutionInput',
        `Invalid State Machine Execution Input: '${input.slice(0, 100)}'`,
      );
    }
    const machine = await machineFor(stateMachineArn);
    const executionArn = `arn:aws:states:${options.region}:${options.accountId}:execution:${machine.name}:${name}`;
    const existing = executions.get(executionArn);
    if (existing !== undefined) {
      // As on AWS: the same name and input while it runs is the same request; anything else is a conflict.
      if (existing.status === 'RUNNING' && existing.input === input)
        return { executionArn, startDate: epochSeconds(existing.startDate) };
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const invalid = await validate(machine);
    if (invalid !== undefined) throw new AwsServiceError('InvalidDefinition', `${machine.file}: ${invalid}`);
    // Checked again: another StartExecution of the same name may have registered while this one loaded.
    const raced = executions.get(executionArn);
    if (raced !== undefined) {
      if (raced.status === 'RUNNING' && raced.input === input)
        return { executionArn, startDate: epochSeconds(raced.startDate) };
      throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      input,
      events: [],
    };
    executions.set(executionArn, record);
    await persist(record);
    log('info', 'execution started', { executionArn });
    await start(record, machine).catch((error: unknown) =>
      finish(record, {
        status: 'FAILED',
        error: 'States.Runtime',
        cause: String((error as Error).message ?? error),
      }),
    );
    return { executionArn, startDate: epochSeconds(record.startDate) };
  };

  const findExecution = (body: Record<string, unknown>): ExecutionRecord => {
    const executionArn = requiredString(body, 'executionArn');
    const record = executions.get(executionArn);
    if (record === undefined)
      throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  };

  const summary = (record: ExecutionRecord) => ({
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate !== undefined && { stopDate: epochSeconds(record.stopDate) }),
  });

  const describeExecution = (body: Record<string, unknown>) => {
    const record = findExecution(body);
    return {
      ...summary(record),
      input: record.input,
      inputDetails: { included: true },
      ...(record.output !== undefined && { output: record.output, outputDetails: { included: true } }),
      ...(record.error !== undefined && { error: record.error }),
      ...(record.cause !== undefined && { cause: record.cause }),
    };
  };

  const listExecutions = async (body: Record<string, unknown>) => {
    const stateMachineArn = requiredString(body, 'stateMachineArn');
    if (
      !(await machines()).has(stateMachineArn) &&
      ![...executions.values()].some((r) => r.stateMachineArn === stateMachineArn)
    )
      throw new AwsServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    const statusFilter = optionalString(body, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.has(statusFilter))
      throw new AwsServiceError(
        'ValidationException',
        `statusFilter must be one of ${[...STATUSES].join(', ')}`,
      );
    const maxResults = optionalInteger(body, 'maxResults', { min: 0, max: 1000 }) || 100;
    const after = decodeToken(optionalString(body, 'nextToken'));
    // Newest first, as Step Functions lists them.
    const matching = [...executions.values()]
      .filter(
        (r) =>
          r.stateMachineArn === stateMachineArn && (statusFilter === undefined || r.status === statusFilter),
      )
      .sort((a, b) => b.startDate.localeCompare(a.startDate) || a.name.localeCompare(b.name));
    const from = after === undefined ? 0 : matching.findIndex((r) => r.executionArn === after) + 1;
    if (after !== undefined && from === 0)
      throw new AwsServiceError('InvalidToken', 'the nextToken is not valid');
    const page = matching.slice(from, from + maxResults);
    const last = page.at(-1);
    return {
      executions: page.map(summary),
      ...(from + page.length < matching.length &&
        last !== undefined && { nextToken: encodeToken(last.executionArn) }),
    };
  };

  const stopExecution = async (body: Record<string, unknown>) => {
    const record = findExecution(body);
    if (record.status === 'RUNNING') {
      const error = optionalString(body, 'error');
      const cause = optionalString(body, 'cause');
      Object.assign(record, {
        status: 'ABORTED',
        stopDate: new Date().toISOString(),
        ...(error !== undefined && { error }),
        ...(cause !== undefined && { cause }),
      });
      running.get(record.executionArn)?.abort();
      running.delete(record.executionArn);
      await persist(record);
      log('info', 'execution stopped', { executionArn: record.executionArn });
    }
    return { stopDate: epochSeconds(record.stopDate ?? new Date().toISOString()) };
  };

  const listStateMachines = async () => ({
    stateMachines: [...(await machines()).values()].flatMap((machine) =>
      machine instanceof DefinitionError
        ? []
        : [{ stateMachineArn: machine.arn, name: machine.name, type: 'STANDARD', creationDate: 0 }],
    ),
  });

  const describeStateMachine = async (body: Record<string, unknown>) => {
    const machine = await machineFor(requiredString(body, 'stateMachineArn'));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definitionText,
      roleArn: `arn:aws:iam::${options.accountId}:role/${machine.name}-role`,
      type: 'STANDARD',
      creationDate: 0,
    };
  };

  const operations: Record<string, JsonOperation> = {
    StartExecution: startExecution,
    DescribeExecution: describeExecution,
    ListExecutions: listExecutions,
    StopExecution: stopExecution,
    ListStateMachines: listStateMachines,
    DescribeStateMachine: describeStateMachine,
  };

  return {
    /** Runs one operation; throws AwsServiceError for the client's mistakes. */
    handle: dispatchJsonOperation('Step Functions', operations),
    /** The state machines found, and the files that cannot run locally with the reason. */
    /** The state machines that can run, and why the others cannot; validates each (so the first start is fast). */
    inventory: async () => {
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
    },
    /**
     * Loads every task module of the runnable state machines, so the first execution does not pay
     * for the imports (about a second for the breaker's); a module that fails to load is logged.
     */
    warm: async () => {
      const tasks = new Map<string, TaskFunction>();
      for (const machine of (await machines()).values()) {
        if (machine instanceof DefinitionError) continue;
        for (const task of machine.tasks.values()) if (existsSync(task.module)) tasks.set(task.module, task);
      }
      await Promise.all(
        [...tasks.values()].map((task) =>
          loadHandler(task).catch((error: unknown) =>
            log('warn', 'a task module does not load', { module: task.module, error: String(error) }),
          ),
        ),
      );
    },
    /**
     * Stops running executions without recording an outcome, so the next start reports them
     * (RESTART_ERROR) like after a crash; waits for pending writes.
     */
    close: async () => {
      closing = true;
      for (const { abort } of running.values()) abort();
      await Promise.all([...writes.values()].map((queue) => queue.settled()));
    },
  };
};

export type SfnService = Awaited<ReturnType<typeof createSfnService>>;
