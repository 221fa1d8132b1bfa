import type { ResolvedFlags } from '../../functions/core/breaker/flag-client';
import type { Mode } from '../../functions/core/breaker/modes';
import { INTENTS, MODEL_IDS, TOKEN_SPREAD } from './catalog';
import type { Draft, Incident } from './day';

/** What the chatbot reads from the breaker through the flag client before each call. */
export interface ChatbotFlags {
  mode: Mode;
  degraded: boolean;
  modelTierFloor: 'none' | 'haiku';
  /** The cap: no model call at all (the chatbot allow-lists none), a canned answer instead. */
  allowListedOnly: boolean;
  /** Every call held to its intent's token budget, the agent's loops included (TOKEN_BUDGETS). */
  strictTokenBudgets: boolean;
}

export const NORMAL_FLAGS: ChatbotFlags = {
  mode: 'normal',
  degraded: false,
  modelTierFloor: 'none',
  allowListedOnly: false,
  strictTokenBudgets: false,
};

/** What the chatbot takes from the flag client's answer (`ResolvedFlags`). */
export const chatbotFlagsFrom = (
  read: Pick<
    ResolvedFlags,
    'breakerMode' | 'degraded' | 'modelTierFloor' | 'allowListedOnly' | 'strictTokenBudgets'
  >,
): ChatbotFlags => ({
  mode: read.breakerMode,
  degraded: read.degraded,
  modelTierFloor: read.modelTierFloor,
  allowListedOnly: read.allowListedOnly,
  strictTokenBudgets: read.strictTokenBudgets,
});

/** What the chatbot did to calls because of the flags, for the lab to count. */
export interface ConsumerObserver {
  /** A call not made: the cap's allow_listed_only. */
  refused?: (atMs: number) => void;
  /** A call cut down to its intent's token budget: strict_token_budgets. */
  clipped?: (atMs: number) => void;
  /**
   * A call answered otherwise than the flags at rest would have it: from the looser cache, on Haiku or
   * cut to its budget (once per call, whichever of them applied).
   */
  changed?: (atMs: number) => void;
}

export interface TokenBudget {
  /** The whole prompt: input plus the cached prefix read or written. */
  maxPrompt: number;
  maxOutput: number;
}

/** Seed 001 A1's budgets, where it gives them; the rest follow its pattern (2x input, 1.25x output). */
const SEED_BUDGETS: Readonly<Record<string, TokenBudget>> = {
  faq: { maxPrompt: 1_000, maxOutput: 250 },
  recommendation: { maxPrompt: 2_500, maxOutput: 500 },
  chitchat: { maxPrompt: 600, maxOutput: 150 },
};

/**
 * Each intent's token budget as the chatbot's orchestrator enforces it (seed 001 A1: truncate history
 * first, then retrieved context, and max_tokens on the answer). Never below an ordinary call of the
 * generator (its average plus TOKEN_SPREAD), so holding calls to it cuts only what an incident inflated.
 */
export const TOKEN_BUDGETS: Readonly<Record<string, TokenBudget>> = Object.fromEntries(
  INTENTS.map((profile) => {
    const ordinary = (avg: number) => Math.ceil(avg * (1 + TOKEN_SPREAD));
    const seed = SEED_BUDGETS[profile.intent] ?? {
      maxPrompt: 2 * profile.avgInputTokens,
      maxOutput: Math.ceil(1.25 * profile.avgOutputTokens),
    };
    return [
      profile.intent,
      {
        maxPrompt: Math.max(seed.maxPrompt, ordinary(profile.avgInputTokens)),
        maxOutput: Math.max(seed.maxOutput, ordinary(profile.avgOutputTokens)),
      },
    ];
  }),
);

/**
 * Holds a call to its intent's budget: the uncached input is cut first (history, retrieved chunks), then
 * the cached prefix; the answer is capped by max_tokens. True when anything was cut.
 */
export const holdToBudget = (draft: Draft): boolean => {
  const budget = TOKEN_BUDGETS[draft.profile.intent];
  if (budget === undefined) return false;
  const cached = draft.cacheReadTokens + draft.cacheWriteTokens;
  const overPrompt = draft.inputTokens + cached > budget.maxPrompt;
  const overOutput = draft.outputTokens > budget.maxOutput;
  if (overPrompt) {
    draft.inputTokens = Math.max(0, budget.maxPrompt - cached);
    const prefixLeft = budget.maxPrompt - draft.inputTokens;
    if (cached > prefixLeft) {
      const keep = prefixLeft / cached;
      draft.cacheReadTokens = Math.floor(draft.cacheReadTokens * keep);
      draft.cacheWriteTokens = Math.floor(draft.cacheWriteTokens * keep);
    }
  }
  if (overOutput) draft.outputTokens = budget.maxOutput;
  return overPrompt || overOutput;
};

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
 * retrieval, which is what bloats the prompts, so it also ends the bloat. Strict token budgets cut any
 * call, the incident's included, to its intent's budget. At the cap it makes no model call at all (a
 * canned answer). `observer` hears of each call refused or cut.
 */
export const chatbotIncident = (
  flags: (atMs: number) => ChatbotFlags,
  bug?: RouterBug,
  observer: ConsumerObserver = {},
): Incident => ({
  startMs: 0,
  adjust: (draft, rng, _turn) => {
    const now = flags(draft.atMs);
    if (now.allowListedOnly) {
      draft.refused = true;
      observer.refused?.(draft.atMs);
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
      observer.changed?.(draft.atMs);
      return;
    }
    if (draft.cacheHit) return;
    if (buggy && !now.degraded) {
      draft.inputTokens = Math.round(draft.inputTokens * bug.promptBloat * rng.between(0.9, 1.1));
    }
    const floorApplies = now.degraded || now.modelTierFloor === 'haiku';
    let changed = false;
    if (floorApplies && !protectedIntents(now).includes(draft.profile.intent)) {
      changed = draft.modelId !== MODEL_IDS.haiku;
      toHaiku(draft);
    }
    if (now.strictTokenBudgets && holdToBudget(draft)) {
      observer.clipped?.(draft.atMs);
      changed = true;
    }
    if (changed) observer.changed?.(draft.atMs);
  },
});
