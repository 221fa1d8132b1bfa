import baselines from '../../config/intent-conversation-baselines.json' with { type: 'json' };
import { MODES, type Mode } from '../../functions/core/breaker/modes';
import { checkConfigFromPolicy, type Policy } from '../../functions/core/breaker/policy';
import type { Severity } from '../../functions/core/breaker/trigger';
import type { PricedCostEvent } from '../../functions/core/events/cost-event';
import { nanoToUsd, usdToNano } from '../../functions/core/money';
import { startOfUtcDay, utcDay } from '../../functions/core/time';
import { BreakerReplay } from './breaker-replay';
import { countedEvents, type ReplayLine, type StreamCounts } from './event-stream';

const DAY_MS = 86_400_000;

export interface ReplayOptions {
  policy: Policy;
  /** Event time between two evaluations at most (the live schedule runs every minute). */
  stepMs?: number;
  /** How far out of event-time order the input may be (the reorder buffer). */
  reorderMs?: number;
  /** Called for each event once counted, in event-time order (the closed loop watches the cap). */
  onEvent?: (event: PricedCostEvent) => void;
}

export interface ReplayReport {
  policy: string;
  daily_budget_usd: number;
  step_seconds: number;
  events: StreamCounts;
  crossings: { pct: number; at: string }[];
  transitions: { at: string; from: Mode; to: Mode; check: string; raised?: Record<string, unknown> }[];
  alerts: { at: string; alert_key: string; severity: Severity; check: string; subject: string }[];
  spend_by_hour: { hour: string; usd: number }[];
  days: { day: string; spent_usd: number; peak_pct_of_cap: number; overshoot_usd: number }[];
  /** Highest share of the cap any day's spend reached, percent. */
  peak_pct_of_cap: number;
  /** Spend past 100% of the cap, summed over the days. */
  overshoot_usd: number;
  overshoot_pct_of_cap: number;
  minutes_in_mode: Record<Mode, number>;
  /** Event time of the breaker's first mode change, or null. */
  first_action_at: string | null;
  evaluations: number;
}

export const DEFAULT_STEP_MS = 60_000;
export const DEFAULT_REORDER_MS = 120_000;

const iso = (ms: number): string => new Date(ms).toISOString();
const usd = (nano: number): number => Math.round(nanoToUsd(nano) * 1e6) / 1e6;
const pct = (part: number, whole: number): number => Math.round((part * 10_000) / whole) / 100;

export const intentConversationNano = (): Record<string, number> =>
  Object.fromEntries(Object.entries(baselines.usd).map(([intent, value]) => [intent, usdToNano(value)]));

/** Minutes spent in each mode from the start of the first day to the end of the last. */
const minutesInMode = (engine: BreakerReplay, fromMs: number, toMs: number): Record<Mode, number> => {
  const minutes = Object.fromEntries(MODES.map((m) => [m, 0])) as Record<Mode, number>;
  let mode: Mode = 'normal';
  let since = fromMs;
  for (const change of engine.modes) {
    minutes[mode] += (Math.min(change.at, toMs) - since) / 60_000;
    mode = change.mode;
    since = change.at;
  }
  minutes[mode] += (toMs - since) / 60_000;
  for (const m of MODES) minutes[m] = Math.round(minutes[m] * 100) / 100;
  return minutes;
};

/**
 * Replays cost events through the breaker's own code under a policy, in event time, in process, with
 * no emulator (BreakerReplay), and reports when each rung was crossed, what the breaker did and said,
 * and at what cost. Streams: memory does not grow with the input.
 */
export const replay = (
  lines: AsyncIterable<ReplayLine> | Iterable<ReplayLine>,
  options: ReplayOptions,
): Promise<ReplayReport> => startReplay(options).run(lines);

/** A replay whose engine can be watched while it runs (the closed loop reads its flags). */
export const startReplay = (options: ReplayOptions) => {
  const stepMs = options.stepMs ?? DEFAULT_STEP_MS;
  const config = checkConfigFromPolicy(options.policy, intentConversationNano());
  const engine = new BreakerReplay(options.policy, config, stepMs);
  return {
    engine,
    run: (lines: AsyncIterable<ReplayLine> | Iterable<ReplayLine>) => run(engine, lines, options),
  };
};

const run = async (
  engine: BreakerReplay,
  lines: AsyncIterable<ReplayLine> | Iterable<ReplayLine>,
  options: ReplayOptions,
): Promise<ReplayReport> => {
  const { policy } = options;
  const stepMs = options.stepMs ?? DEFAULT_STEP_MS;
  const config = engine.config;
  const counts: StreamCounts = { lines: 0, counted: 0, duplicates: 0, quarantined: {}, late: 0 };
  const daySpend = new Map<string, number>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for await (const event of countedEvents(lines, counts, options.reorderMs ?? DEFAULT_REORDER_MS)) {
    first = Math.min(first, event.occurredAt);
    last = Math.max(last, event.occurredAt);
    await engine.push(event);
    options.onEvent?.(event);
    const day = utcDay(event.occurredAt);
    daySpend.set(day, engine.spend.spentNano(day));
  }
  const from = Number.isFinite(first) ? startOfUtcDay(utcDay(first)) : 0;
  const to = Number.isFinite(last) ? startOfUtcDay(utcDay(last)) + DAY_MS : 0;
  if (Number.isFinite(last)) await engine.finish(to - 1);

  const days = [...daySpend].map(([day, spent]) => ({
    day,
    spent_usd: usd(spent),
    peak_pct_of_cap: pct(spent, config.capNano),
    overshoot_usd: usd(Math.max(0, spent - config.capNano)),
  }));
  const overshootNano = [...daySpend.values()].reduce((sum, s) => sum + Math.max(0, s - config.capNano), 0);
  const transitions = engine.store.ledger
    .filter((e) => e.kind === 'transition' || e.kind === 'restore_step')
    .map((e) => ({
      at: e.recorded_at,
      from: e.from_mode ?? 'normal',
      to: e.to_mode ?? 'normal',
      check: e.trigger?.check ?? 'restore',
      ...(e.detail?.raised === undefined ? {} : { raised: e.detail.raised as Record<string, unknown> }),
    }));
  return {
    policy: policy.name,
    daily_budget_usd: policy.daily_budget_usd,
    step_seconds: stepMs / 1_000,
    events: counts,
    crossings: engine.crossings.map((c) => ({ pct: c.pct, at: iso(c.at) })),
    transitions,
    alerts: engine.alerts.sent.map(({ at, alert }) => ({
      at: iso(at),
      alert_key: String(alert.body.alert_key),
      severity: alert.body.severity as Severity,
      check: String(alert.body.check),
      subject: alert.subject,
    })),
    spend_by_hour: engine.spend.spendByHour().map(([hour, nano]) => ({ hour, usd: usd(nano) })),
    days,
    peak_pct_of_cap: Math.max(0, ...days.map((d) => d.peak_pct_of_cap)),
    overshoot_usd: usd(overshootNano),
    overshoot_pct_of_cap: pct(overshootNano, config.capNano),
    minutes_in_mode: minutesInMode(engine, from, to),
    first_action_at: engine.modes[0] === undefined ? null : iso(engine.modes[0].at),
    evaluations: engine.evaluations,
  };
};
