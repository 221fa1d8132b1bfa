import { type BreakerFlags, flagsFor, type Mode, moreRestrictive } from './modes';
import type { OverrideRequest } from './override-request.v1.generated';
import type { Check } from './trigger';

/** What an admin may set through an override; anything left out keeps the breaker's own value. */
export type OverrideFlags = NonNullable<OverrideRequest['flags']>;

export interface ActiveOverride {
  /** The override execution that owns it; only that execution's revert removes it. */
  execution: string;
  flags: OverrideFlags;
  reason: string;
  requested_by: string;
  ticket?: string;
  applied_at: string;
  expires_at: string;
}

/**
 * The breaker's state: the source of truth (SSM holds its published projection). Changed only by
 * compare-and-set on `version`, together with a ledger entry.
 */
export interface BreakerState {
  version: number;
  mode: Mode;
  /** The budget day the mode was reached on; null before the first escalation. */
  day: string | null;
  /**
   * Event time (ISO) the mode was reached at, from the finding that raised it: the look-ahead judges the
   * pace from there. Absent in states written before it existed.
   */
  mode_since?: string;
  /** The check whose finding reached the mode: a rung crossed after the look-ahead got there still alerts. */
  mode_by?: Check;
  /** Flags raised by anomalies on top of the mode's (velocity: suspend_scale_in); cleared by restore. */
  raised: Partial<BreakerFlags>;
  override?: ActiveOverride;
  /** The last change, so a retried task recognises the transition it already made. */
  last?: { execution: string; entry_id: string; from_mode: Mode };
  updated_at?: string;
}

export const INITIAL_STATE: BreakerState = { version: 0, mode: 'normal', day: null, raised: {} };

/** Every value consumers read, as published to SSM. */
export interface EffectiveFlags extends BreakerFlags {
  breaker_mode: Mode;
  cost_circuit_breaker_enabled: boolean;
}

/** The breaker's own flags: its mode's, plus anything an anomaly raised (only ever stricter). */
export const breakerFlags = (mode: Mode, raised: Partial<BreakerFlags>): BreakerFlags => {
  const base = flagsFor(mode);
  return {
    degradation_active: base.degradation_active || raised.degradation_active === true,
    model_tier_floor: raised.model_tier_floor === 'haiku' ? 'haiku' : base.model_tier_floor,
    suspend_scale_in: base.suspend_scale_in || raised.suspend_scale_in === true,
    allow_listed_only: base.allow_listed_only,
    strict_token_budgets: base.strict_token_budgets,
  };
};

/** An admin's override wins over the breaker for the flags it names, in either direction. */
export const effectiveFlags = (state: BreakerState): EffectiveFlags => {
  const own = breakerFlags(state.mode, state.raised);
  const o = state.override?.flags ?? {};
  const degradation_active = o.degradation_active ?? own.degradation_active;
  const cost_circuit_breaker_enabled = o.cost_circuit_breaker_enabled ?? true;
  return {
    breaker_mode: state.mode,
    degradation_active,
    model_tier_floor: o.model_tier_floor ?? own.model_tier_floor,
    suspend_scale_in: o.suspend_scale_in ?? own.suspend_scale_in,
    // The cap is degradation taken further: an override that lifts degradation or disables the
    // breaker lifts the cap with it (and so its IAM deny), rather than needing a flag of its own.
    allow_listed_only: own.allow_listed_only && degradation_active && cost_circuit_breaker_enabled,
    // Only the mode sets it; an admin who disables the breaker lifts it with everything else the breaker set.
    strict_token_budgets: own.strict_token_budgets && cost_circuit_breaker_enabled,
    cost_circuit_breaker_enabled,
  };
};

export const isEnabled = (state: BreakerState): boolean => effectiveFlags(state).cost_circuit_breaker_enabled;

/** Normal mode with no raised flag: nothing for a restore to lift. */
export const atRest = (state: BreakerState): boolean =>
  state.mode === 'normal' && Object.keys(state.raised).length === 0;

/** Parameter names under the stage prefix, with their string values. */
export const parameterValues = (flags: EffectiveFlags): Record<string, string> => ({
  breaker_mode: flags.breaker_mode,
  degradation_active: String(flags.degradation_active),
  model_tier_floor: flags.model_tier_floor,
  suspend_scale_in: String(flags.suspend_scale_in),
  allow_listed_only: String(flags.allow_listed_only),
  strict_token_budgets: String(flags.strict_token_budgets),
  cost_circuit_breaker_enabled: String(flags.cost_circuit_breaker_enabled),
});

/** The raised flags after adding some: never lowers one. */
export const raise = (raised: Partial<BreakerFlags>, more: Partial<BreakerFlags>): Partial<BreakerFlags> => {
  const next = { ...raised };
  if (more.degradation_active === true) next.degradation_active = true;
  if (more.model_tier_floor === 'haiku') next.model_tier_floor = 'haiku';
  if (more.suspend_scale_in === true) next.suspend_scale_in = true;
  return next;
};

/** The mode after a trigger asks for one: the stricter of both, never lower. */
export const escalatedMode = (current: Mode, wanted: Mode | undefined): Mode =>
  wanted === undefined ? current : moreRestrictive(current, wanted);

/**
 * When the state's mode was reached, in event time, if that was on `day`: what the look-ahead needs. A
 * mode carried over from an earlier day (its restore still to come) is not judged by the new day's pace.
 */
export const modeSinceOn = (state: BreakerState, day: string): number | undefined =>
  state.day === day && state.mode_since !== undefined ? Date.parse(state.mode_since) : undefined;
