import { formatUsd } from '../money';
import { MS_PER_QUARTER as QUARTER_MS } from '../time';
import type { LookAheadConfig } from './config';
import { type ForecastInput, forecastEndOfDayNano, percentOf } from './ladder';
import { MODES, type Mode, severity } from './modes';
import { executionName, type Trigger } from './trigger';

/** The day's pace at `atMs` (its last 15 minutes: what the current mode has left) and that mode. */
export interface LookAheadInput extends ForecastInput {
  day: string;
  atMs: number;
  currentMode: Mode;
  /** Event time the current mode was reached at; undefined when not known for this day. */
  modeSinceMs: number | undefined;
}

/**
 * Whether a mode reached at `sinceMs` has had its settle time and a whole 15-minute window after it, so
 * the last window's pace is the one it left rather than the one it met. The hysteresis of every step
 * that judges an earlier step's effect (the look-ahead, the forecast's second step).
 */
export const hasSettled = (atMs: number, sinceMs: number, settleMs: number): boolean =>
  atMs >= sinceMs + settleMs + QUARTER_MS;

/**
 * The mode one step beyond the current one that the pace since the last escalation calls for, if any
 * (DESIGN 19). A degraded mode still answers every call, so the next one is taken as soon as the day
 * forecasts over the cap at that pace; cap refuses calls, so it is taken only when the cap is then less
 * than the lead away: as late as still holds it, early enough that calls in flight land under it.
 * Hysteresis: each step waits for its own settle time and a whole window after it, so one surge
 * escalates at most one mode per settle-plus-15-minutes, and nothing here ever steps down.
 */
const judge = (
  input: LookAheadInput,
  config: LookAheadConfig,
): { to: Mode; forecast: number } | undefined => {
  const { currentMode, modeSinceMs } = input;
  if (severity(currentMode) < severity('cost_saving') || modeSinceMs === undefined) return undefined;
  const next = MODES[severity(currentMode) + 1];
  if (next === undefined) return undefined;
  if (!hasSettled(input.atMs, modeSinceMs, config.settleMs)) return undefined;
  const forecast = forecastEndOfDayNano(input);
  if (BigInt(forecast) * 10_000n <= BigInt(input.capNano) * BigInt(config.overBp)) return undefined;
  if (next !== 'cap') return { to: next, forecast };
  const withinLead = input.spentNano + Math.round((input.last15MinutesNano * config.capLeadMs) / QUARTER_MS);
  return withinLead >= input.capNano ? { to: next, forecast } : undefined;
};

export const lookAheadMode = (input: LookAheadInput, config: LookAheadConfig): Mode | undefined =>
  judge(input, config)?.to;

/** The look-ahead's finding, when it calls for a mode: an escalation like a rung's, before the rung. */
export const lookAheadTrigger = (input: LookAheadInput, config: LookAheadConfig): Trigger | undefined => {
  const found = judge(input, config);
  if (found === undefined) return undefined;
  const { to, forecast } = found;
  const since = new Date(input.modeSinceMs ?? input.atMs).toISOString().slice(11, 16);
  return {
    id: executionName('lookahead', input.day, to),
    check: 'look_ahead',
    // Only emergency and cap lie beyond cost_saving.
    severity: 'critical',
    to_mode: to,
    metric: 'forecast_end_of_day_pct',
    value: percentOf(forecast, input.capNano),
    threshold: config.overBp / 100,
    event_time: new Date(input.atMs).toISOString(),
    day: input.day,
    summary:
      to === 'cap'
        ? `${input.currentMode} since ${since} UTC has not slowed spend enough: at the last 15 minutes' pace ${formatUsd(input.spentNano)} reaches the ${formatUsd(input.capNano)} cap within ${Math.round(config.capLeadMs / 60_000)} minutes`
        : `${input.currentMode} since ${since} UTC has not slowed spend enough: at the last 15 minutes' pace the day ends at ${formatUsd(forecast)}, over the ${formatUsd(input.capNano)} cap`,
  };
};
