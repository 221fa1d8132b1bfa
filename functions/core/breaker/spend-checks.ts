import { formatUsd } from '../money';
import { quarterLabel, startOfUtcDay, utcHour, utcQuarter } from '../time';
import type { CheckConfig } from './config';
import { forecastEndOfDayNano, modeForSpend } from './ladder';
import { type Mode, severity } from './modes';
import type { SpendSnapshot } from './ports';
import { executionName, type Severity, type Trigger } from './trigger';

const QUARTER_MS = 900_000;
const DAY_MS = 86_400_000;
const QUARTERS_PER_DAY = 96;

const SEVERITY: Record<Mode, Severity> = {
  normal: 'info',
  cache_aggressive: 'warning',
  cost_saving: 'warning',
  emergency: 'critical',
  cap: 'critical',
};

const percent = (part: number, whole: number): number => Math.round((part * 10_000) / whole) / 100;

/**
 * Spend of the 15 minutes up to `atMs`: the current bucket, plus the share of the previous bucket
 * still inside the window (spend is assumed even within a bucket, the finest grain we keep).
 */
export const rollingQuarterNano = (snapshot: SpendSnapshot, atMs: number): number => {
  const quarter = utcQuarter(atMs);
  const elapsed = (atMs % QUARTER_MS) / QUARTER_MS;
  const current = snapshot.quarters.get(quarter) ?? 0;
  const previous = quarter > 0 ? (snapshot.quarters.get(quarter - 1) ?? 0) : 0;
  return current + Math.round(previous * (1 - elapsed));
};

/**
 * What 15 minutes usually cost at this hour: the mean of the same hour's buckets on earlier days, or,
 * with no history yet, an even pace of the cap (cap / 96), so the check works from day one.
 */
export const velocityBaselineNano = (snapshot: SpendSnapshot, capNano: number): number => {
  const history = snapshot.sameHourHistory;
  if (history.length === 0) return Math.round(capNano / QUARTERS_PER_DAY);
  return Math.round(history.reduce((sum, n) => sum + n, 0) / history.length);
};

/**
 * The spend checks of DESIGN 5 at one instant of event time: the budget ladder, the end-of-day
 * forecast and the spend velocity. Pure; `currentMode` only spares starting executions that would
 * change nothing (their ids would make them no-ops anyway).
 */
export const spendTriggers = (
  snapshot: SpendSnapshot,
  atMs: number,
  currentMode: Mode,
  config: CheckConfig,
): Trigger[] => {
  const triggers: Trigger[] = [];
  const { day, spentNano } = snapshot;
  const eventTime = new Date(atMs).toISOString();
  const cap = formatUsd(config.capNano);
  const spentPct = percent(spentNano, config.capNano);

  const ladderMode = modeForSpend(spentNano, config.capNano, config.ladder);
  if (severity(ladderMode) > severity(currentMode)) {
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

  const last15 = rollingQuarterNano(snapshot, atMs);
  const msLeft = startOfUtcDay(day) + DAY_MS - atMs;
  const forecast = forecastEndOfDayNano({
    spentNano,
    capNano: config.capNano,
    last15MinutesNano: last15,
    msLeftInDay: msLeft,
  });
  if (forecast > config.capNano && severity(currentMode) < severity('cost_saving')) {
    triggers.push({
      id: executionName('forecast', day),
      check: 'forecast',
      severity: 'warning',
      to_mode: 'cost_saving',
      metric: 'forecast_end_of_day_pct',
      value: percent(forecast, config.capNano),
      threshold: 100,
      event_time: eventTime,
      day,
      summary: `at the last 15 minutes' pace the day ends at ${formatUsd(forecast)}, over the ${cap} cap`,
    });
  }

  const baseline = velocityBaselineNano(snapshot, config.capNano);
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
      summary: `15-minute spend ${formatUsd(last15)} is ${(last15 / baseline).toFixed(1)}x its baseline ${formatUsd(baseline)} (at ${quarterLabel(utcQuarter(atMs))})`,
    });
  }
  return triggers;
};

/** True when the rolling 15-minute spend is within the velocity factor of its baseline. */
export const velocityIsNormal = (snapshot: SpendSnapshot, atMs: number, config: CheckConfig): boolean =>
  rollingQuarterNano(snapshot, atMs) <=
  velocityBaselineNano(snapshot, config.capNano) * config.velocityFactor;

/**
 * How far the day's spend has got in event time: the end of its latest 15-minute bucket with spend,
 * never past `wallNow`. A replay of an old day is judged at its own hours, not at today's clock.
 */
export const streamTime = (snapshot: SpendSnapshot, wallNow: number): number => {
  const start = startOfUtcDay(snapshot.day);
  const latest = Math.max(-1, ...snapshot.quarters.keys());
  const reached = latest < 0 ? start : start + (latest + 1) * QUARTER_MS - 1;
  return Math.min(wallNow, reached);
};
