import { setTimeout as delay } from 'node:timers/promises';
import { ListExecutionsCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { SsmFlagSource } from '../../functions/adapters/ssm/ssm-flag-publisher';
import { createFlagClient } from '../../functions/core/breaker/flag-client';
import { systemClock } from '../../functions/shared/clock';
import { localKinesisClient, localSfnClient, localSsmClient } from '../lib/local-clients';
import { produceEvents } from '../lib/produce-events';
import type { StackState } from '../lib/stack-context';
import { drain } from '../local/drain';
import {
  type ChatbotFlags,
  chatbotFlagsFrom,
  chatbotIncident,
  NORMAL_FLAGS,
  type RouterBug,
} from '../scenarios/chatbot';
import { generateDay, type ScenarioLine, type ScenarioOptions } from '../scenarios/day';

const MINUTE_MS = 60_000;

/** The flags the chatbot ran with from `from` (event time) on. */
export interface FlagWindow {
  from: number;
  flags: ChatbotFlags;
}

export interface ClosedLoopOptions extends ScenarioOptions {
  bug?: RouterBug;
  /** Replayed in one piece up to here (ms after midnight), then window by window. Default 0. */
  windowsFromMs?: number;
  /** Event-time length of a window after windowsFromMs. */
  windowMinutes: number;
  /** Replay only up to here (ms after midnight). Default the whole day. */
  untilMs?: number;
  onWindow?: (window: { from: number; to: number; lines: number; flags: ChatbotFlags }) => void;
}

export interface ClosedLoopResult {
  lines: ScenarioLine[];
  flagWindows: FlagWindow[];
}

/** Waits until no escalate execution is running, so the flags read next are the settled answer. */
const settleBreaker = async (sfn: SFNClient, state: StackState, timeoutMs = 20_000): Promise<void> => {
  const arn = state.stateMachineArns.escalate;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const running = await sfn.send(
      new ListExecutionsCommand({ stateMachineArn: arn, statusFilter: 'RUNNING', maxResults: 1 }),
    );
    if ((running.executions ?? []).length === 0) return;
    await delay(50);
  }
  throw new Error(`escalate executions still running after ${timeoutMs / 1000} s`);
};

/**
 * Replays a day through the local stack with the chatbot in the loop: window by window of event time,
 * it puts the window's events, waits until they are processed and the breaker's workflows have
 * settled, then reads the flags through the flag client (as the chatbot would) and generates the
 * next window under them. The flags therefore lag by at most one window, the replay's stand-in for
 * the few seconds of propagation on AWS; the outcome is deterministic for given options.
 */
export const replayClosedLoop = async (
  state: StackState,
  options: ClosedLoopOptions,
): Promise<ClosedLoopResult> => {
  let flags = NORMAL_FLAGS;
  const flagWindows: FlagWindow[] = [];
  const dayStart = Date.parse(`${options.day}T00:00:00.000Z`);
  const items = generateDay(
    options,
    chatbotIncident(() => flags, options.bug),
  )[Symbol.iterator]();
  const ssm = localSsmClient(state);
  const kinesis = localKinesisClient(state);
  const sfn = localSfnClient(state);
  const flagClient = createFlagClient({
    source: new SsmFlagSource(ssm),
    prefix: state.ssmPrefix,
    stories: [],
    cacheMs: 0,
    clock: systemClock,
  });
  const lines: ScenarioLine[] = [];
  let pending = items.next();
  let from = dayStart;
  let to = dayStart + (options.windowsFromMs ?? options.windowMinutes * MINUTE_MS);
  const end = dayStart + (options.untilMs ?? 86_400_000);
  flagWindows.push({ from, flags });
  try {
    while (from < end) {
      const window: ScenarioLine[] = [];
      while (!pending.done && pending.value.emitAt < Math.min(to, end)) {
        window.push(pending.value.line);
        pending = items.next();
      }
      if (window.length > 0) {
        await produceEvents(window, { kinesis, streamName: state.streamName });
        await drain(state, { timeoutSeconds: 120 });
        await settleBreaker(sfn, state);
      }
      lines.push(...window);
      options.onWindow?.({ from, to, lines: window.length, flags });
      const read = await flagClient.flags();
      const next = chatbotFlagsFrom(read);
      if (JSON.stringify(next) !== JSON.stringify(flags)) flagWindows.push({ from: to, flags: next });
      flags = next;
      from = to;
      to += options.windowMinutes * MINUTE_MS;
    }
    // Retries and bad lines of the day's last minutes are emitted just after midnight.
    const tail: ScenarioLine[] = [];
    if (options.untilMs === undefined) {
      for (; !pending.done; pending = items.next()) tail.push(pending.value.line);
    }
    if (tail.length > 0) {
      await produceEvents(tail, { kinesis, streamName: state.streamName });
      await drain(state, { timeoutSeconds: 120 });
      await settleBreaker(sfn, state);
      lines.push(...tail);
    }
  } finally {
    ssm.destroy();
    kinesis.destroy();
    sfn.destroy();
  }
  return { lines, flagWindows };
};
