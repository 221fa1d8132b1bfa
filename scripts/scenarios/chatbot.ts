import type { ResolvedFlags } from '../../functions/core/breaker/flag-client';
import type { Mode } from '../../functions/core/breaker/modes';
import { MODEL_IDS } from './catalog';
import type { Draft, Incident } from './day';

/** What the chatbot reads from the breaker through the flag client before each call. */
export interface ChatbotFlags {
  mode: Mode;
  degraded: boolean;
  modelTierFloor: 'none' | 'haiku';
  /** The cap: no model call at all (the chatbot allow-lists none), a canned answer instead. */
  allowListedOnly: boolean;
}

export const NORMAL_FLAGS: ChatbotFlags = {
  mode: 'normal',
  degraded: false,
  modelTierFloor: 'none',
  allowListedOnly: false,
};

/** What the chatbot takes from the flag client's answer (`ResolvedFlags`). */
export const chatbotFlagsFrom = (
  read: Pick<ResolvedFlags, 'breakerMode' | 'degraded' | 'modelTierFloor' | 'allowListedOnly'>,
): ChatbotFlags => ({
  mode: read.breakerMode,
  degraded: read.degraded,
  modelTierFloor: read.modelTierFloor,
  allowListedOnly: read.allowListedOnly,
});

/**
 * Intents that stay on Sonnet under a Haiku floor (seed 001 A10): recommendation and checkout help in
 * cost_saving; only recommendation once degraded.
 */
export const protectedIntents = (flags: ChatbotFlags): readonly string[] =>
  flags.degraded ? ['recommendation'] : ['recommendation', 'checkout_help'];

/** Extra share of calls answered from the response cache: longer TTLs, fuzzy keys, stale answers. */
const EXTRA_CACHE_HITS: Record<Mode, number> = {
  normal: 0,
  cache_aggressive: 0.15,
  cost_saving: 0.25,
  emergency: 0.4,
  cap: 0.4,
};

export interface RouterBug {
  /** Milliseconds after midnight UTC of the first affected call. */
  fromMs: number;
  /** How many times the normal uncached prompt a bloated prompt is. */
  promptBloat: number;
  /**
   * Hours over which the buggy router reaches all traffic (a linear deployment: the affected share
   * grows evenly from 0 at fromMs); 0 for all at once.
   */
  rolloutHours: number;
}

/** The runaway of `npm start`: at 14:00 UTC a router bug sends everything to Sonnet with 40x prompts. */
export const RUNAWAY_BUG: RouterBug = { fromMs: 14 * 3_600_000, promptBloat: 40, rolloutHours: 0 };

const toHaiku = (draft: Draft): void => {
  draft.modelId = MODEL_IDS.haiku;
  // Haiku takes no prompt-cache prefix here: the whole prompt is plain input.
  draft.inputTokens += draft.cacheReadTokens + draft.cacheWriteTokens;
  draft.cacheReadTokens = 0;
  draft.cacheWriteTokens = 0;
};

/**
 * The chatbot as the breaker's consumer, as an incident of the scenario generator: before each call it
 * applies the flags in force (read once per replayed window, like the flag client's cache), and from
 * `bug.fromMs` a router bug sends every intent to Sonnet with bloated prompts. Degradation bypasses
 * retrieval, which is what bloats the prompts, so it also ends the bloat. At the cap it makes no model
 * call at all (a canned answer; `onRefused` hears of each).
 */
export const chatbotIncident = (
  flags: (atMs: number) => ChatbotFlags,
  bug?: RouterBug,
  onRefused?: (atMs: number) => void,
): Incident => ({
  startMs: 0,
  adjust: (draft, rng, _turn) => {
    const now = flags(draft.atMs);
    if (now.allowListedOnly) {
      draft.refused = true;
      onRefused?.(draft.atMs);
      return;
    }
    const dayMs = draft.atMs % 86_400_000;
    const rollout =
      bug === undefined ? 0 : Math.min(1, (dayMs - bug.fromMs) / (bug.rolloutHours * 3_600_000 || 1));
    const buggy = bug !== undefined && dayMs >= bug.fromMs && (rollout >= 1 || rng.chance(rollout));
    if (buggy) draft.modelId = MODEL_IDS.sonnet;
    const extraHits = EXTRA_CACHE_HITS[now.mode];
    if (!draft.cacheHit && extraHits > 0 && rng.chance(extraHits)) {
      draft.cacheHit = true;
      draft.inputTokens = 0;
      draft.outputTokens = 0;
      draft.cacheReadTokens = 0;
      draft.cacheWriteTokens = 0;
      return;
    }
    if (draft.cacheHit) return;
    if (buggy && !now.degraded) {
      draft.inputTokens = Math.round(draft.inputTokens * bug.promptBloat * rng.between(0.9, 1.1));
    }
    const floorApplies = now.degraded || now.modelTierFloor === 'haiku';
    if (floorApplies && !protectedIntents(now).includes(draft.profile.intent)) toHaiku(draft);
  },
});
