import type { Mode } from './modes';
import { moreRestrictive } from './modes';

/** Rungs of the daily budget ladder in basis points of the cap (7000 = 70.00%). */
export interface Ladder {
  cacheAggressiveBp: number;
  costSavingBp: number;
  emergencyBp: number;
  capBp: number;
}

export const DEFAULT_LADDER: Ladder = {
  cacheAggressiveBp: 7_000,
  costSavingBp: 8_500,
  emergencyBp: 9_500,
  capBp: 10_000,
};

/**
 * The mode the day's spend calls for. Integer arithmetic: spend reaches a rung when
 * spent * 10000 >= cap * rung, so 70.00% escalates and 69.99% does not, with no float rounding.
 */
export const modeForSpend = (spentNano: number, capNano: number, ladder: Ladder = DEFAULT_LADDER): Mode => {
  const reached = (rungBp: number) => BigInt(spentNano) * 10_000n >= BigInt(capNano) * BigInt(rungBp);
  if (reached(ladder.capBp)) return 'cap';
  if (reached(ladder.emergencyBp)) return 'emergency';
  if (reached(ladder.costSavingBp)) return 'cost_saving';
  if (reached(ladder.cacheAggressiveBp)) return 'cache_aggressive';
  return 'normal';
};

export interface ForecastInput {
  spentNano: number;
  capNano: number;
  /** Spend of the last 15 minutes, the current velocity. */
  last15MinutesNano: number;
  /** Milliseconds left in the UTC day. */
  msLeftInDay: number;
}

/** A part of the cap in percent, to two decimals: what alerts and ledger entries show. */
export const percentOf = (part: number, whole: number): number => Math.round((part * 10_000) / whole) / 100;

/** Spend at the end of the day if the current 15-minute velocity holds: spent + velocity x time left. */
export const forecastEndOfDayNano = (input: ForecastInput): number =>
  input.spentNano + Math.round((input.last15MinutesNano * input.msLeftInDay) / 900_000);

/** What the day's spend calls for, and why: the ladder's rung and the end-of-day forecast. */
export interface DayVerdict {
  /** The mode the spend so far reaches on the ladder. */
  byLadder: Mode;
  /** Spend at the end of the day at the current 15-minute velocity. */
  forecastNano: number;
  /** True when that forecast is over the cap. */
  forecastOver: boolean;
  /** The ladder's mode, raised to the forecast's first step when the forecast is over the cap. */
  mode: Mode;
}

/**
 * The one rule of the spend ladder (DESIGN 5): the mode the spend reaches, raised to the forecast's first
 * step when the forecast crosses the cap (or the policy's share of it; early escalation before the spend
 * itself gets there). The checks turn its parts into triggers; nothing else decides a mode from spend.
 * What the first step leaves is judged later (spend-checks' forecastStep, the look-ahead).
 */
export const judgeDay = (
  input: ForecastInput,
  ladder: Ladder = DEFAULT_LADDER,
  forecastOverBp: number | null = 10_000,
  forecastFirstMode: Mode = 'cache_aggressive',
): DayVerdict => {
  const byLadder = modeForSpend(input.spentNano, input.capNano, ladder);
  const forecastNano = forecastEndOfDayNano(input);
  const forecastOver =
    forecastOverBp !== null &&
    BigInt(forecastNano) * 10_000n > BigInt(input.capNano) * BigInt(forecastOverBp);
  return {
    byLadder,
    forecastNano,
    forecastOver,
    mode: forecastOver ? moreRestrictive(byLadder, forecastFirstMode) : byLadder,
  };
};
