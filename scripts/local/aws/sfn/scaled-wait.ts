import { setTimeout as sleep } from 'node:timers/promises';
import type { JsonValue } from './lambda-invocation';
import { loadRunner } from './runner-module';
import type { WaitSpec } from './state-machine-model';

/** How a scaled Wait waits its scaled time; the execution's abort signal ends it early. */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

export const timerSleep: Sleep = (ms, signal) => sleep(ms, undefined, { signal }).catch(() => undefined);

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

const secondsPathMs = async (path: string, input: JsonValue, context: Record<string, unknown>) => {
  const seconds = await evaluatePath(path, input, context).catch((error: Error) => {
    throw new StatesRuntimeError(error.message);
  });
  if (typeof seconds !== 'number' || !Number.isInteger(seconds) || seconds < 0)
    throw new StatesRuntimeError(`Path expression '${path}' does not point to a non-negative integer`);
  return seconds * 1000;
};

const untilTimestampMs = async (spec: WaitSpec, input: JsonValue, context: Record<string, unknown>) => {
  const timestamp =
    spec.Timestamp ??
    (spec.TimestampPath === undefined ? undefined : await evaluatePath(spec.TimestampPath, input, context));
  if (typeof timestamp !== 'string' || Number.isNaN(Date.parse(timestamp)))
    throw new StatesRuntimeError(`Wait timestamp ${JSON.stringify(timestamp)} is not an RFC 3339 timestamp`);
  return Math.max(0, Date.parse(timestamp) - Date.now());
};

/** How long the Wait would wait on AWS, in ms, from its Seconds, SecondsPath, Timestamp or TimestampPath. */
const unscaledMs = (spec: WaitSpec, input: JsonValue, context: Record<string, unknown>): Promise<number> => {
  if (spec.Seconds !== undefined) return Promise.resolve(spec.Seconds * 1000);
  if (spec.SecondsPath !== undefined) return secondsPathMs(spec.SecondsPath, input, context);
  return untilTimestampMs(spec, input, context);
};

/**
 * The handler of a Wait state rewritten into a Task (definitions with scaled waits): waits the
 * Wait's time multiplied by `waitScale`, then passes its input on, as the Wait would.
 */
export const scaledWait =
  (waitScale: number, waitFor: Sleep) =>
  async (spec: WaitSpec, input: JsonValue, context: Record<string, unknown>, signal: AbortSignal) => {
    await waitFor((await unscaledMs(spec, input, context)) * waitScale, signal);
    return input;
  };
