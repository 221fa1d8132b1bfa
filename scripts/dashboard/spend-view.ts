import type { CheckConfig } from '../../functions/core/breaker/config';
import { forecastEndOfDayNano } from '../../functions/core/breaker/ladder';
import type { Mode } from '../../functions/core/breaker/modes';
import type { SpendSnapshot } from '../../functions/core/breaker/ports';
import {
  rollingQuarterNano,
  streamTime,
  type VelocityBaseline,
} from '../../functions/core/breaker/spend-checks';
import type { SpendBreakdown } from '../../functions/core/reporting/spend-breakdown';
import { quarterLabel, startOfUtcDay, utcQuarter } from '../../functions/core/time';
import { type Money, money } from './format';

const QUARTER_MS = 900_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

export interface BreakdownView {
  key: string;
  cost: Money;
  /** The part of cost priced at a ceiling (model or region unknown to the catalog), as `ccb spend` reads it. */
  estimated: Money;
  /** Share of the day's total in percent, one decimal; null on a day without spend. */
  share_pct: number | null;
  events: number;
}

export interface SpendView {
  day: string;
  /** From the hourly spend items, as `ccb spend` sums them. */
  total: Money;
  /** The part of total priced at a ceiling: `estimated_usd` of `ccb spend --json`. */
  estimated: Money;
  events: number;
  budget: Money;
  /** Where the budget came from (the stack's own setting, or serverless.yml's default). */
  budget_source: string;
  spent_pct: number;
  ladder: { mode: Mode; percent: number; amount: Money }[];
  /** Cumulative spend at the end of each 15-minute bucket up to stream time, from 00:00. */
  cumulative: { minute: number; label: string; amount: Money }[];
  /** How far the day's events have got (ISO), never past the wall clock. */
  stream_time: string;
  forecast: { from_minute: number; spent: Money; last_15_minutes: Money; end_of_day: Money; pct: number };
  by_intent: BreakdownView[];
  by_model: BreakdownView[];
  velocity: {
    factor: number;
    points: {
      minute: number;
      label: string;
      spend: Money;
      baseline: Money;
      bound: Money;
      source: VelocityBaseline['source'];
    }[];
  };
}

export interface SpendInputs {
  byIntent: SpendBreakdown;
  byModel: SpendBreakdown;
  /** The breaker's snapshot of the day (its 15-minute buckets and total). */
  snapshot: SpendSnapshot;
  /** The velocity check's baseline for each hour up to stream time, by hour. */
  baselines: ReadonlyMap<number, VelocityBaseline>;
  config: CheckConfig;
  budgetSource: string;
  wallNow: number;
}

const percent = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((part * 10_000) / whole) / 100;

const breakdownView = (breakdown: SpendBreakdown): BreakdownView[] =>
  breakdown.rows.map((row) => ({
    key: String(row.key),
    cost: money(row.cost_nano),
    estimated: money(row.estimated_cost_nano),
    share_pct:
      breakdown.total_nano === 0 ? null : Math.round((1000 * row.cost_nano) / breakdown.total_nano) / 10,
    events: row.events,
  }));

/** The last bucket the chart shows: the one holding stream time (none before the day's first event). */
const lastQuarter = (snapshot: SpendSnapshot, at: number): number =>
  snapshot.quarters.size === 0 ? -1 : utcQuarter(at);

/**
 * What the spend panels show, from the same numbers the CLI and the breaker read: the total and the
 * breakdowns of `ccb spend`, the 15-minute buckets, forecast and velocity baseline of the checks.
 */
export const spendView = (inputs: SpendInputs): SpendView => {
  const { snapshot, config } = inputs;
  const dayStart = startOfUtcDay(snapshot.day);
  const at = streamTime(snapshot, inputs.wallNow);
  const last = lastQuarter(snapshot, at);
  const cumulative: SpendView['cumulative'] = [{ minute: 0, label: '00:00', amount: money(0) }];
  const points: SpendView['velocity']['points'] = [];
  let sum = 0;
  for (let quarter = 0; quarter <= last; quarter += 1) {
    sum += snapshot.quarters.get(quarter) ?? 0;
    const end = Math.min(dayStart + (quarter + 1) * QUARTER_MS - 1, Math.max(at, dayStart));
    const minute = Math.round((end + 1 - dayStart) / MINUTE_MS);
    cumulative.push({ minute, label: quarterLabel(quarter + 1), amount: money(sum) });
    const baseline = inputs.baselines.get(Math.floor(quarter / 4));
    if (baseline === undefined) continue;
    points.push({
      minute,
      label: quarterLabel(quarter),
      spend: money(rollingQuarterNano(snapshot, end)),
      baseline: money(baseline.nano),
      bound: money(Math.round(baseline.nano * config.velocityFactor)),
      source: baseline.source,
    });
  }
  const last15 = rollingQuarterNano(snapshot, at);
  const endOfDay = forecastEndOfDayNano({
    spentNano: snapshot.spentNano,
    capNano: config.capNano,
    last15MinutesNano: last15,
    msLeftInDay: dayStart + DAY_MS - at,
  });
  const rungs: [Mode, number][] = [
    ['cache_aggressive', config.ladder.cacheAggressiveBp],
    ['cost_saving', config.ladder.costSavingBp],
    ['emergency', config.ladder.emergencyBp],
    ['cap', config.ladder.capBp],
  ];
  return {
    day: snapshot.day,
    total: money(inputs.byIntent.total_nano),
    estimated: money(inputs.byIntent.estimated_nano),
    events: inputs.byIntent.events,
    budget: money(config.capNano),
    budget_source: inputs.budgetSource,
    spent_pct: percent(inputs.byIntent.total_nano, config.capNano),
    ladder: rungs.map(([mode, bp]) => ({
      mode,
      percent: bp / 100,
      amount: money(Number((BigInt(config.capNano) * BigInt(bp)) / 10_000n)),
    })),
    cumulative,
    stream_time: new Date(at).toISOString(),
    forecast: {
      from_minute: Math.round((at - dayStart) / MINUTE_MS),
      spent: money(snapshot.spentNano),
      last_15_minutes: money(last15),
      end_of_day: money(endOfDay),
      pct: percent(endOfDay, config.capNano),
    },
    by_intent: breakdownView(inputs.byIntent),
    by_model: breakdownView(inputs.byModel),
    velocity: { factor: config.velocityFactor, points },
  };
};
