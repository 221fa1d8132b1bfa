import { formatUsd } from '../money';
import {
  MS_PER_DAY,
  MS_PER_QUARTER,
  quarterLabel,
  startOfUtcDay,
  utcDay,
  utcHour,
  utcQuarter,
} from '../time';
import { type CheckConfig, DEFAULT_WAREHOUSE_BASELINE_MIN_DAYS } from './config';
import { judgeDay, percentOf as percent } from './ladder';
import { hasSettled, lookAheadTrigger } from './look-ahead';
import { type Mode, severity } from './modes';
import type { SpendSnapshot } from './ports';
import { executionName, type Severity, type Trigger } from './trigger';

const QUARTERS_PER_DAY = 96;

const SEVERITY: Record<Mode, Severity> = {
  normal: 'info',
  cache_aggressive: 'warning',
  cost_saving: 'warning',
  emergency: 'critical',
  cap: 'critical',
};

/**
 * Spend of the 15 minutes up to `atMs`: the current bucket, plus the share of the previous bucket
 * still inside the window (spend is assumed even within a bucket, the finest grain we keep).
 */
export const rollingQuarterNano = (snapshot: SpendSnapshot, atMs: number): number => {
  const quarter = utcQuarter(atMs);
  const elapsed = (atMs % MS_PER_QUARTER) / MS_PER_QUARTER;
  const current = snapshot.quarters.get(quarter) ?? 0;
  const previous = quarter > 0 ? (snapshot.quarters.get(quarter - 1) ?? 0) : 0;
  return current + Math.round(previous * (1 - elapsed));
};

/** Where a velocity baseline came from. */
export type BaselineSource = 'warehouse_7d' | 'warehouse_28d' | 'same_hour_history' | 'even_pace';

export interface VelocityBaseline {
  nano: number;
  source: BaselineSource;
  /** Days of history behind it (0 for the even pace). */
  days: number;
  /** For the alert: which baseline the check used. */
  label: string;
}

/**
 * The stored warehouse baseline, if it was computed for the snapshot's day or the day before (the hourly
 * job may not have run yet after midnight); one computed for another day, as when replaying an old day,
 * says nothing about this one.
 */
const usableStoredBaseline = (snapshot: SpendSnapshot) => {
  const stored = snapshot.warehouseBaseline;
  if (stored === undefined) return undefined;
  const dayBefore = utcDay(startOfUtcDay(snapshot.day) - MS_PER_DAY);
  return stored.for_day === snapshot.day || stored.for_day === dayBefore ? stored : undefined;
};

/**
 * What 15 minutes usually cost at this hour, best source first: the warehouse's same-hour average over 7
 * days, then over 28 days, when it has at least `minDays` days behind it; else the mean of the same
 * hour's buckets on earlier days in DynamoDB; with no history at all, an even pace of the cap (cap / 96),
 * so the check works from day one.
 */
export const velocityBaseline = (
  snapshot: SpendSnapshot,
  capNano: number,
  minDays: number = DEFAULT_WAREHOUSE_BASELINE_MIN_DAYS,
): VelocityBaseline => {
  const stored = usableStoredBaseline(snapshot);
  if (stored !== undefined && stored.days_7d >= minDays)
    return {
      nano: stored.avg_7d_nano,
      source: 'warehouse_7d',
      days: stored.days_7d,
      label: `baseline: 7-day warehouse average (${stored.days_7d} days)`,
    };
  if (stored !== undefined && stored.days_28d >= minDays)
    return {
      nano: stored.avg_28d_nano,
      source: 'warehouse_28d',
      days: stored.days_28d,
      label: `baseline: 28-day warehouse average (${stored.days_28d} days)`,
    };
  const history = snapshot.sameHourHistory;
  if (history.length === 0)
    return {
      nano: Math.round(capNano / QUARTERS_PER_DAY),
      source: 'even_pace',
      days: 0,
      label: 'no history: even pace of the cap',
    };
  const days = Math.ceil(history.length / 4);
  return {
    nano: Math.round(history.reduce((sum, n) => sum + n, 0) / history.length),
    source: 'same_hour_history',
    days,
    label: `baseline: same hour on ${days} earlier day${days === 1 ? '' : 's'}`,
  };
};

/** The velocity baseline's amount (see velocityBaseline). */
export const velocityBaselineNano = (
  snapshot: SpendSnapshot,
  capNano: number,
  minDays: number = DEFAULT_WAREHOUSE_BASELINE_MIN_DAYS,
): number => velocityBaseline(snapshot, capNano, minDays).nano;

/**
 * Where a forecast over the cap takes the breaker from `currentMode`, if anywhere: the first step
 * (policy `forecast.first_mode`), then cost_saving once the first step has had its settle time and a
 * whole window since (what it left, not what it met). A mode of unknown age, as one carried over from
 * an earlier day, has had its chance. Nothing from cost_saving on: the look-ahead's part.
 */
const forecastStep = (
  currentMode: Mode,
  atMs: number,
  config: CheckConfig,
  modeSinceMs: number | undefined,
): Mode | undefined => {
  if (severity(currentMode) >= severity('cost_saving')) return undefined;
  if (severity(currentMode) < severity(config.forecastFirstMode)) return config.forecastFirstMode;
  const settling = modeSinceMs !== undefined && !hasSettled(atMs, modeSinceMs, config.forecastSettleMs);
  return settling ? undefined : 'cost_saving';
};

/**
 * The spend checks of DESIGN 5 at one instant of event time: the budget ladder, the end-of-day
 * forecast, the look-ahead past the current mode and the spend velocity. Pure; `currentMode` spares
 * starting executions that would change nothing (their ids would make them no-ops anyway) and, with
 * `modeSinceMs` (event time it was reached at, this day), is what the look-ahead judges.
 */
export const spendTriggers = (
  snapshot: SpendSnapshot,
  atMs: number,
  currentMode: Mode,
  config: CheckConfig,
  modeSinceMs?: number,
): Trigger[] => {
  const triggers: Trigger[] = [];
  const { day, spentNano } = snapshot;
  const eventTime = new Date(atMs).toISOString();
  const cap = formatUsd(config.capNano);
  const spentPct = percent(spentNano, config.capNano);

  const last15 = rollingQuarterNano(snapshot, atMs);
  const pace = {
    spentNano,
    capNano: config.capNano,
    last15MinutesNano: last15,
    msLeftInDay: startOfUtcDay(day) + MS_PER_DAY - atMs,
  };
  const verdict = judgeDay(pace, config.ladder, config.forecastOverBp, config.forecastFirstMode);

  const ladderMode = verdict.byLadder;
  // A critical rung always tells FinOps, even when the look-ahead got to its mode first; its id is
  // per rung and day, so it is sent once.
  if (severity(ladderMode) > severity(currentMode) || SEVERITY[ladderMode] === 'critical') {
    const rungBp = {
      normal: 0,
      cache_aggressive: config.ladder.cacheAggressiveBp,
      cost_saving: config.ladder.costSavingBp,
      emergency: config.ladder.emergencyBp,
      cap: config.ladder.capBp,
    }[ladderMode];
    triggers.push({
      id: executionName('ladder', day, ladderMode),
      check: 'budget_ladder',
      severity: SEVERITY[ladderMode],
      to_mode: ladderMode,
      metric: 'daily_spend_pct',
      value: spentPct,
      threshold: rungBp / 100,
      event_time: eventTime,
      day,
      summary: `daily spend ${formatUsd(spentNano)} reached ${spentPct.toFixed(2)}% of the ${cap} cap`,
    });
  }

  const ahead =
    config.lookAhead === null || severity(ladderMode) > severity(currentMode)
      ? undefined
      : lookAheadTrigger({ ...pace, day, atMs, currentMode, modeSinceMs }, config.lookAhead);
  if (ahead !== undefined) triggers.push(ahead);

  const forecast = verdict.forecastNano;
  const forecastPct = (config.forecastOverBp ?? 10_000) / 100;
  const overWhat = forecastPct === 100 ? `the ${cap} cap` : `${forecastPct}% of the ${cap} cap`;
  const forecastTo = verdict.forecastOver ? forecastStep(currentMode, atMs, config, modeSinceMs) : undefined;
  if (forecastTo !== undefined) {
    triggers.push({
      // The cost_saving step keeps the name it had before there was a first step: one per day.
      id:
        forecastTo === 'cost_saving'
          ? executionName('forecast', day)
          : executionName('forecast', day, forecastTo),
      check: 'forecast',
      severity: 'warning',
      to_mode: forecastTo,
      metric: 'forecast_end_of_day_pct',
      value: percent(forecast, config.capNano),
      threshold: forecastPct,
      event_time: eventTime,
      day,
      summary:
        `at the last 15 minutes' pace the day ends at ${formatUsd(forecast)}, over ${overWhat}` +
        (forecastTo === config.forecastFirstMode
          ? ''
          : ` (${currentMode}, its token budgets held, has not slowed it enough)`),
    });
  }

  const { nano: baseline, label } = velocityBaseline(
    snapshot,
    config.capNano,
    config.warehouseBaselineMinDays,
  );
  if (baseline > 0 && last15 > baseline * config.velocityFactor) {
    const hour = String(utcHour(atMs)).padStart(2, '0');
    triggers.push({
      id: executionName('velocity', day, `${hour}h`),
      check: 'spend_velocity',
      severity: 'warning',
      flags: { suspend_scale_in: true },
      metric: 'rolling_15min_spend_ratio',
      value: Math.round((last15 / baseline) * 100) / 100,
      threshold: config.velocityFactor,
      event_time: eventTime,
      day,
      summary: `15-minute spend ${formatUsd(last15)} is ${(last15 / baseline).toFixed(1)}x its baseline ${formatUsd(baseline)} (at ${quarterLabel(utcQuarter(atMs))}; ${label})`,
    });
  }
  return triggers;
};

/** The most the rolling 15-minute spend may be before it counts as a spike: the baseline times the factor. */
export const velocityBoundNano = (snapshot: SpendSnapshot, config: CheckConfig): number =>
  velocityBaselineNano(snapshot, config.capNano, config.warehouseBaselineMinDays) * config.velocityFactor;

/**
 * How far the day's spend has got in event time: the end of its latest 15-minute bucket with spend,
 * never past `wallNow`. A replay of an old day is judged at its own hours, not at today's clock.
 */
export const streamTime = (snapshot: SpendSnapshot, wallNow: number): number => {
  const start = startOfUtcDay(snapshot.day);
  const latest = Math.max(-1, ...snapshot.quarters.keys());
  const reached = latest < 0 ? start : start + (latest + 1) * MS_PER_QUARTER - 1;
  return Math.min(wallNow, reached);
};
