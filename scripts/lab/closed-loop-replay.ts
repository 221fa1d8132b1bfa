import { DEFAULT_FLAG_CACHE_MS, resolveFlags } from '../../functions/core/breaker/flag-client';
import type { PricedCostEvent } from '../../functions/core/events/cost-event';
import { nanoToUsd } from '../../functions/core/money';
import { utcDay } from '../../functions/core/time';
import {
  type ChatbotFlags,
  type ConsumerObserver,
  chatbotFlagsFrom,
  NORMAL_FLAGS,
} from '../scenarios/chatbot';
import { closedLoopItems, type ScenarioOptions } from '../scenarios/index';
import type { Crossing } from './breaker-replay';
import type { ReplayLine } from './event-stream';
import { type ReplayOptions, type ReplayReport, startReplay } from './replay';

/**
 * Detection latency p99 measured on the local stack (docs/BENCHMARKS.md, "Detection latency": 1,441 ms
 * from put to flags in SSM); the flag client's own cache comes on top of it, as in production.
 */
export const DEFAULT_PROPAGATION_MS = 1_441;
const FLAG_CLIENT_CACHE_MS = DEFAULT_FLAG_CACHE_MS;
/** The chatbot allow-lists no caller: at the cap it makes no model call at all. */
const CHATBOT_ALLOW_LIST: ReadonlySet<string> = new Set();
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
  /**
   * Calls from the one that took the day's spend to the cap on: a hard stop at 100% would have refused
   * all but that one.
   */
  calls_after_cap: number;
  /** Calls the chatbot did not make because the cap's allow_listed_only held. */
  calls_refused: number;
  /** Calls the chatbot cut to their intent's token budget because strict_token_budgets held. */
  calls_clipped: number;
  /** Calls the chatbot answered otherwise because of the flags: looser cache, Haiku, cut to budget. */
  calls_changed: number;
  /**
   * Spend over the cap beyond what was in flight: the overshoot less the calls made after the cap was
   * crossed but before a refusal could reach the chatbot (propagation plus its flag cache). Zero when the
   * breaker holds the cap.
   */
  overshoot_beyond_in_flight_usd: number;
}

/**
 * Lines of a scenario with the chatbot in the loop: at each call it reads the flags as the flag client
 * would (the client's own resolution, re-read once its cache has expired, event-time clock) from a
 * source that shows what the breaker had published `propagationMs` earlier. `flagsOf` gives that source
 * for an event time. The read is at the call's own time, however long since the last call.
 */
function* chatbotLines(
  scenario: string,
  options: Partial<ScenarioOptions>,
  propagationMs: number,
  flagsOf: (atMs: number) => Readonly<Record<string, string>> | undefined,
  observer?: ConsumerObserver,
): Generator<ReplayLine> {
  let readAt = Number.NEGATIVE_INFINITY;
  let current: ChatbotFlags = NORMAL_FLAGS;
  const flagsAt = (atMs: number): ChatbotFlags => {
    if (atMs - readAt >= FLAG_CLIENT_CACHE_MS) {
      readAt = atMs;
      const read = resolveFlags(flagsOf(atMs - propagationMs) ?? {}, {
        allowListed: CHATBOT_ALLOW_LIST,
        fromDefaults: false,
      });
      current = chatbotFlagsFrom(read);
    }
    return current;
  };
  const items = closedLoopItems(scenario, options, flagsAt, observer);
  for (let next = items.next(); next.done !== true; next = items.next()) yield next.value.line;
}

/**
 * What the cap let through per day: calls after the crossing (a hard stop at 100% would refuse them)
 * and the spend of those made before a refusal could reach the chatbot (in flight).
 */
const capWatch = (capPct: number, inFlightMs: number, crossings: () => readonly Crossing[]) => {
  let callsAfterCap = 0;
  const inFlightNano = new Map<string, number>();
  return {
    onEvent(event: PricedCostEvent): void {
      const day = utcDay(event.occurredAt);
      const cap = crossings().find((c) => c.day === day && c.pct === capPct);
      if (cap === undefined || event.occurredAt < cap.at) return;
      callsAfterCap += 1;
      if (event.occurredAt <= cap.at + inFlightMs)
        inFlightNano.set(day, (inFlightNano.get(day) ?? 0) + event.costNano);
    },
    callsAfterCap: () => callsAfterCap,
    beyondInFlightUsd: (days: ReplayReport['days']): number =>
      days.reduce(
        (sum, d) => sum + Math.max(0, d.overshoot_usd - nanoToUsd(inFlightNano.get(d.day) ?? 0)),
        0,
      ),
  };
};

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
  const watch = capWatch(
    settings.policy.ladder_pct.cap,
    propagationMs + FLAG_CLIENT_CACHE_MS,
    () => loop.engine.crossings,
  );
  const loop = startReplay({ ...settings, reorderMs: SCENARIO_REORDER_MS, onEvent: watch.onEvent });
  const done = { refused: 0, clipped: 0, changed: 0 };
  const count = (what: keyof typeof done) => () => {
    done[what] += 1;
  };
  const report = await loop.run(
    chatbotLines(scenario, options, propagationMs, (at) => loop.engine.flagsAt(at), {
      refused: count('refused'),
      clipped: count('clipped'),
      changed: count('changed'),
    }),
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
    calls_after_cap: watch.callsAfterCap(),
    calls_refused: done.refused,
    calls_clipped: done.clipped,
    calls_changed: done.changed,
    overshoot_beyond_in_flight_usd: Math.round(watch.beyondInFlightUsd(report.days) * 1e6) / 1e6,
  };
};
