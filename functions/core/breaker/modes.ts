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
}

const FLAGS: Record<Mode, BreakerFlags> = {
  normal: {
    degradation_active: false,
    model_tier_floor: 'none',
    suspend_scale_in: false,
    allow_listed_only: false,
  },
  cache_aggressive: {
    degradation_active: false,
    model_tier_floor: 'none',
    suspend_scale_in: false,
    allow_listed_only: false,
  },
  cost_saving: {
    degradation_active: false,
    model_tier_floor: 'haiku',
    suspend_scale_in: true,
    allow_listed_only: false,
  },
  emergency: {
    degradation_active: true,
    model_tier_floor: 'haiku',
    suspend_scale_in: true,
    allow_listed_only: false,
  },
  cap: {
    degradation_active: true,
    model_tier_floor: 'haiku',
    suspend_scale_in: true,
    allow_listed_only: true,
  },
};

export const flagsFor = (mode: Mode): BreakerFlags => ({ ...FLAGS[mode] });

export const severity = (mode: Mode): number => MODES.indexOf(mode);

export const moreRestrictive = (a: Mode, b: Mode): Mode => (severity(a) >= severity(b) ? a : b);
