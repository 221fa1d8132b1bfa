/**
 * The flag client consumers use instead of reading SSM directly: cached reads, the kill-switch
 * precedence of seed 000, and safe defaults when the parameters cannot be read.
 */

import type { Clock } from '../time';
import { MODES, type Mode } from './modes';

/** Reads named parameters; an adapter over SSM GetParameters in production. */
export interface FlagSource {
  read(names: readonly string[]): Promise<Record<string, string | undefined>>;
}

export interface ResolvedFlags {
  /** The breaker's mode (`breaker_mode`), for consumers that tune more than the three flags (caching). */
  breakerMode: Mode;
  /** degradation_active: overrides everything else. */
  degraded: boolean;
  modelTierFloor: 'none' | 'haiku';
  suspendScaleIn: boolean;
  /** allow_listed_only (the cap): no model calls except the allow-listed; implies degraded. */
  allowListedOnly: boolean;
  /**
   * strict_token_budgets: hold every call to its intent's token budget, on every path (agent loops,
   * retries); implied by degradation. Calls within budget go out unchanged.
   */
  strictTokenBudgets: boolean;
  /**
   * Whether a model call for `caller` (a story or feature name) may go out: always, unless the cap
   * holds, and then only for callers in the client's allow list.
   */
  modelCallAllowed(caller: string): boolean;
  /** Whether a story's optimisation may run: false when degraded or when its own flag says so. */
  optimizationEnabled(story: string): boolean;
  /** Whether one technique of a story may run: also needs its story's optimisation enabled. */
  techniqueEnabled(story: string, technique: string): boolean;
  /** True when these are the safe defaults because the source could not be read. */
  fromDefaults: boolean;
}

export interface FlagClientOptions {
  source: FlagSource;
  /** Parameter path prefix, e.g. /ccb/prod/. */
  prefix: string;
  stories: readonly string[];
  techniques?: Readonly<Record<string, readonly string[]>>;
  /**
   * How long a read is reused; bounds both SSM calls and how late a flag change is seen. Default 1 s:
   * the part of the 3 s put -> flag budget left to consumers (docs/BENCHMARKS.md, latency budget).
   */
  cacheMs?: number;
  /**
   * Callers whose model calls go on at the cap (a safety classifier, a paying customer's tier): the
   * only exception to allow_listed_only. Empty by default, so the cap stops every call.
   */
  allowListed?: readonly string[];
  /**
   * Ages the cached read; the wall clock when left out. Optional because consumer teams embed the client
   * and their code written before the Clock port must keep compiling; tests and the lab pass their own.
   */
  clock?: Clock;
}

// The client runs in the consumer's process, its composition root: the one place it may read the wall.
const WALL_CLOCK: Clock = { now: () => Date.now() };

/** The default cache: the part of the 3 s put -> flag budget left to consumers (docs/BENCHMARKS.md). */
export const DEFAULT_FLAG_CACHE_MS = 1_000;

const isTrue = (value: string | undefined): boolean => value === 'true';

/**
 * Parameter values as a consumer must read them (seed 000's precedence): pure, so a simulated consumer
 * (the policy lab's chatbot) obeys exactly what the client's callers obey.
 */
export const resolveFlags = (
  values: Readonly<Record<string, string | undefined>>,
  options: { allowListed: ReadonlySet<string>; fromDefaults: boolean },
): ResolvedFlags => {
  const { allowListed, fromDefaults } = options;
  const allowListedOnly = isTrue(values.allow_listed_only);
  // The cap goes one step beyond degradation, so it implies it whatever degradation_active says.
  const degraded = allowListedOnly || isTrue(values.degradation_active);
  const optimizationEnabled = (story: string) => !degraded && isTrue(values[`${story}_optimization_enabled`]);
  const mode = values.breaker_mode;
  return {
    breakerMode: MODES.find((m) => m === mode) ?? 'normal',
    degraded,
    // Degradation implies the Haiku floor and no scale-in, whatever the other flags say.
    modelTierFloor: degraded || values.model_tier_floor === 'haiku' ? 'haiku' : 'none',
    suspendScaleIn: degraded || isTrue(values.suspend_scale_in),
    allowListedOnly,
    strictTokenBudgets: degraded || isTrue(values.strict_token_budgets),
    modelCallAllowed: (caller) => !allowListedOnly || allowListed.has(caller),
    optimizationEnabled,
    techniqueEnabled: (story, technique) =>
      optimizationEnabled(story) && isTrue(values[`${technique}_enabled`]),
    fromDefaults,
  };
};

export const createFlagClient = (options: FlagClientOptions) => {
  const cacheMs = options.cacheMs ?? DEFAULT_FLAG_CACHE_MS;
  const clock = options.clock ?? WALL_CLOCK;
  const techniques = options.techniques ?? {};
  const allowListed = new Set(options.allowListed ?? []);
  const names = [
    'breaker_mode',
    'degradation_active',
    'model_tier_floor',
    'suspend_scale_in',
    'allow_listed_only',
    'strict_token_budgets',
    ...options.stories.map((story) => `${story}_optimization_enabled`),
    ...Object.entries(techniques).flatMap(([, list]) => list.map((t) => `${t}_enabled`)),
  ];
  let cached: { at: number; flags: ResolvedFlags } | undefined;

  const resolve = (values: Record<string, string | undefined>, fromDefaults: boolean): ResolvedFlags =>
    resolveFlags(values, { allowListed, fromDefaults });

  return {
    /**
     * The current flags. When the source fails: the last good read if there is one, else the safe
     * defaults (not degraded, every optimisation off), never an exception on the caller's hot path.
     */
    async flags(): Promise<ResolvedFlags> {
      if (cached !== undefined && clock.now() - cached.at < cacheMs) return cached.flags;
      try {
        const values = await options.source.read(names.map((name) => `${options.prefix}${name}`));
        const unprefixed = Object.fromEntries(
          names.map((name) => [name, values[`${options.prefix}${name}`]]),
        );
        cached = { at: clock.now(), flags: resolve(unprefixed, false) };
        return cached.flags;
      } catch {
        // Cached like a good read, so an outage costs one source call per cacheMs, not one per caller.
        cached = { at: clock.now(), flags: cached?.flags ?? resolve({}, true) };
        return cached.flags;
      }
    },
  };
};
