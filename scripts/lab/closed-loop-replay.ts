import { createFlagClient, type FlagSource } from '../../functions/core/breaker/flag-client';
import { utcDay } from '../../functions/core/time';
import { type ChatbotFlags, NORMAL_FLAGS } from '../scenarios/chatbot';
import { closedLoopItems, type ScenarioOptions } from '../scenarios/index';
import type { ReplayLine } from './event-stream';
import { type ReplayOptions, type ReplayReport, startReplay } from './replay';

/**
 * Detection latency p99 measured on the local stack (docs/BENCHMARKS.md, "Detection latency": 1,441 ms
 * from put to flags in SSM); the flag client's own 5 s cache comes on top of it, as in production.
 */
export const DEFAULT_PROPAGATION_MS = 1_441;
/** The flag client's default cache (functions/core/breaker/flag-client.ts). */
const FLAG_CLIENT_CACHE_MS = 5_000;
/** Scenario lines are in event-time order but for v1 timestamps, which keep whole seconds. */
const SCENARIO_REORDER_MS = 1_000;

export interface ClosedLoopOptions extends ReplayOptions {
  /** From the change of spend to the flags being readable: detection latency. */
  delayMs?: number;
}

export interface ClosedLoopReport extends ReplayReport {
  consumer: 'chatbot';
  propagation_ms: number;
  flag_cache_ms: number;
  /** Minutes in each mode but normal: how long customers got a degraded service, and how degraded. */
  degraded_minutes: Record<string, number>;
  /** The same day with the chatbot ignoring the flags (no breaker). */
  no_breaker: { spent_usd: number; overshoot_usd: number; peak_pct_of_cap: number };
  spend_avoided_usd: number;
  /** Calls made after the day's spend reached the cap: a hard stop at 100% would have refused them. */
  calls_after_cap: number;
}

const toChatbot = (flags: {
  breakerMode: ChatbotFlags['mode'];
  degraded: boolean;
  modelTierFloor: 'none' | 'haiku';
}) => ({
  mode: flags.breakerMode,
  degraded: flags.degraded,
  modelTierFloor: flags.modelTierFloor,
});

/**
 * Lines of a scenario with the chatbot in the loop: before each call it reads the flags through the
 * real flag client (5 s cache, event-time clock) from a source that shows what the breaker had published
 * `propagationMs` earlier. `flagsOf` gives that source for the current event time.
 */
async function* chatbotLines(
  scenario: string,
  options: Partial<ScenarioOptions>,
  propagationMs: number,
  flagsOf: (atMs: number) => Readonly<Record<string, string>> | undefined,
): AsyncGenerator<ReplayLine> {
  let now = 0;
  let current: ChatbotFlags = NORMAL_FLAGS;
  const prefix = '/ccb/replay/';
  const source: FlagSource = {
    read: async (names) => {
      const values = flagsOf(now - propagationMs) ?? {};
      return Object.fromEntries(names.map((name) => [name, values[name.slice(prefix.length)]]));
    },
  };
  const client = createFlagClient({
    source,
    prefix,
    stories: [],
    cacheMs: FLAG_CLIENT_CACHE_MS,
    clock: { now: () => now },
  });
  const items = closedLoopItems(scenario, options, () => current);
  for (;;) {
    current = toChatbot(await client.flags());
    const next = items.next();
    if (next.done === true) return;
    now = Math.max(now, next.value.emitAt);
    yield next.value.line;
  }
}

/**
 * `ccb replay --consumer chatbot`: a built-in scenario replayed with the chatbot obeying the breaker's
 * flags after a propagation delay, against the same day with no breaker (the chatbot ignoring them).
 */
export const replayClosedLoop = async (
  scenario: string,
  options: Partial<ScenarioOptions>,
  settings: ClosedLoopOptions,
): Promise<ClosedLoopReport> => {
  const propagationMs = settings.delayMs ?? DEFAULT_PROPAGATION_MS;
  const loop = startReplay({
    ...settings,
    reorderMs: SCENARIO_REORDER_MS,
    onEvent: (at) => countAfterCap(at),
  });
  const capPct = settings.policy.ladder_pct.cap;
  let callsAfterCap = 0;
  const countAfterCap = (at: number) => {
    const day = utcDay(at);
    const cap = loop.engine.crossings.find((c) => c.day === day && c.pct === capPct);
    if (cap !== undefined && at >= cap.at) callsAfterCap += 1;
  };
  const report = await loop.run(
    chatbotLines(scenario, options, propagationMs, (at) => loop.engine.flagsAt(at)),
  );
  const open = await startReplay({ ...settings, reorderMs: SCENARIO_REORDER_MS }).run(
    chatbotLines(scenario, options, propagationMs, () => undefined),
  );
  const spent = (r: ReplayReport) => r.days.reduce((sum, d) => sum + d.spent_usd, 0);
  const { normal: _normal, ...degraded } = report.minutes_in_mode;
  return {
    ...report,
    consumer: 'chatbot',
    propagation_ms: propagationMs,
    flag_cache_ms: FLAG_CLIENT_CACHE_MS,
    degraded_minutes: degraded,
    no_breaker: {
      spent_usd: Math.round(spent(open) * 1e6) / 1e6,
      overshoot_usd: open.overshoot_usd,
      peak_pct_of_cap: open.peak_pct_of_cap,
    },
    spend_avoided_usd: Math.round((spent(open) - spent(report)) * 1e6) / 1e6,
    calls_after_cap: callsAfterCap,
  };
};
