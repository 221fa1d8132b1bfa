import type { IncidentConfig } from './incidents';
import type { Ladder } from './ladder';

/** Three days: enough that one odd day does not set the bar, few enough to help in a stack's first week. */
export const DEFAULT_WAREHOUSE_BASELINE_MIN_DAYS = 3;

/**
 * When the pace since the last escalation still forecasts the day over the cap, one more mode before the
 * rung. The pace is a whole 15-minute window after `settleMs`, so it is what the escalation left, not what
 * it met.
 */
export interface LookAheadConfig {
  /** How long an escalation gets to reach every consumer before its effect is judged. */
  settleMs: number;
  /** Forecast over this share of the cap (basis points) escalates once more. */
  overBp: number;
  /** Into cap (calls refused) only when the cap is closer than this at the pace seen. */
  capLeadMs: number;
}

/** The thresholds of DESIGN 5 as the checks take them; a policy (policy.ts) sets them. */
export interface CheckConfig {
  capNano: number;
  ladder: Ladder;
  /** Forecast over this share of the cap (basis points) escalates (forecastFirstMode); null turns it off. */
  forecastOverBp: number | null;
  /**
   * The forecast's first step. From cache_aggressive (strict token budgets, no ordinary call degraded) it
   * goes on to cost_saving once that mode has had `forecastSettleMs` and a whole 15-minute window since,
   * if the day still forecasts over: oversized prompts get the chance to be the whole runaway.
   */
  forecastFirstMode: 'cache_aggressive' | 'cost_saving';
  /** How long the first step gets to reach every consumer before its effect is judged. */
  forecastSettleMs: number;
  /** Escalation that looks ahead (DESIGN 19); null turns it off. */
  lookAhead: LookAheadConfig | null;
  /** Rolling 15-minute spend above this many times its baseline is a velocity spike. */
  velocityFactor: number;
  /** Earlier days whose same hour forms the velocity baseline. */
  historyDays: number;
  /**
   * Days of history the warehouse's stored same-hour average needs before the velocity check prefers it
   * to the same-hour buckets in DynamoDB (the 7-day average first, then the 28-day one).
   */
  warehouseBaselineMinDays: number;
  /** A session costing more than this many times its intent's average conversation is a spike. */
  spikeFactor: number;
  /** Average cost of one conversation per intent, nano-dollars; intents not listed are not checked. */
  intentConversationNano: Readonly<Record<string, number>>;
  /** Prompt tokens (input + cache read + cache write) above which one request is an explosion. */
  tokenExplosionTokens: number;
  /** Reported cost differing from ours by more than this (basis points of ours) is a mismatch. */
  mismatchBp: number;
  /** How findings of the alert-only checks batch into incidents; DEFAULT_INCIDENT_CONFIG when absent. */
  incidents?: IncidentConfig;
}
