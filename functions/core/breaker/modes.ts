/** Breaker modes, least to most restrictive (seed 001 A10, DESIGN 5). */
export const MODES = ['normal', 'cache_aggressive', 'cost_saving', 'emergency', 'cap'] as const;
export type Mode = (typeof MODES)[number];

export type ModelTierFloor = 'none' | 'haiku';

/** The flags consumers read, as the breaker sets them for a mode. */
export interface BreakerFlags {
  degradation_active: boolean;
  model_tier_floor: ModelTierFloor;
  suspend_scale_in: boolean;
  /**
   * No model calls except the allow-listed (the cap): one step beyond degradation, which still lets
   * every story call the floor model (seed 000: degradation overrides every story).
   */
  allow_listed_only: boolean;
  /**
   * Every model call held to its intent's token budget (seed 001 A1), whatever path makes it: an agent
   * loop or a retrieval bug that skips the usual truncation. Calls within budget are untouched, so this
   * is the first step of every mode above normal: it stops a runaway of oversized prompts, even in an
   * intent kept on Sonnet, without degrading anyone's ordinary call.
   */
  strict_token_budgets: boolean;
}

const FLAGS: Record<Mode, BreakerFlags> = {
  normal: {
    degradation_active: false,
    model_tier_floor: 'none',
    suspend_scale_in: false,
    allow_listed_only: false,
    strict_token_budgets: false,
  },
  cache_aggressive: {
    degradation_active: false,
    model_tier_floor: 'none',
    suspend_scale_in: false,
    allow_listed_only: false,
    strict_token_budgets: true,
  },
  cost_saving: {
    degradation_active: false,
    model_tier_floor: 'haiku',
    suspend_scale_in: true,
    allow_listed_only: false,
    strict_token_budgets: true,
  },
  emergency: {
    degradation_active: true,
    model_tier_floor: 'haiku',
    suspend_scale_in: true,
    allow_listed_only: false,
    strict_token_budgets: true,
  },
  cap: {
    degradation_active: true,
    model_tier_floor: 'haiku',
    suspend_scale_in: true,
    allow_listed_only: true,
    strict_token_budgets: true,
  },
};

export const flagsFor = (mode: Mode): BreakerFlags => ({ ...FLAGS[mode] });

export const severity = (mode: Mode): number => MODES.indexOf(mode);

export const moreRestrictive = (a: Mode, b: Mode): Mode => (severity(a) >= severity(b) ? a : b);
