import { MODEL_IDS } from './catalog';
import type { Incident } from './day';

/** Incidents start mid-morning UTC, leaving a normal baseline before them. */
export const INCIDENT_START_HOUR = 9;
const startMs = INCIDENT_START_HOUR * 3_600_000;

/** The router falls through to Sonnet on every message, Haiku intents included. */
export const routerFallthrough: Incident = {
  startMs,
  adjust: (draft) => {
    draft.modelId = MODEL_IDS.sonnet;
  },
};

/**
 * Prompt compression fails: Sonnet intents send the whole history and every retrieved chunk,
 * 8-12x the uncached input, which roughly triples their cost per call.
 */
export const compressionFailure: Incident = {
  startMs,
  adjust: (draft, rng) => {
    if (draft.profile.model !== 'sonnet' || draft.cacheHit) return;
    draft.inputTokens = Math.round(draft.inputTokens * rng.between(8, 12));
  },
};

/**
 * The response cache is poisoned with long answers: FAQ and order-tracking answers stop coming
 * from it and run 5-7x longer, and every Sonnet call rewrites its prompt-cache prefix (1.25x
 * writes instead of 0.1x reads).
 */
export const cachePoisoning: Incident = {
  startMs,
  adjust: (draft, rng) => {
    if (draft.profile.appCacheHitRate > 0) {
      if (draft.cacheHit) {
        draft.cacheHit = false;
        draft.inputTokens = Math.round(draft.profile.avgInputTokens * rng.between(0.75, 1.25));
        draft.outputTokens = draft.profile.avgOutputTokens;
      }
      draft.outputTokens = Math.round(draft.outputTokens * rng.between(5, 7));
    }
    if (draft.cacheReadTokens > 0) {
      draft.cacheWriteTokens = draft.cacheReadTokens;
      draft.cacheReadTokens = 0;
    }
  },
};

/**
 * Token explosion: one in 50 Sonnet calls carries 12k-40k input tokens (a retrieval loop), and
 * one recommendation session runs away for 60 turns with a context growing past 60k tokens.
 */
export const tokenExplosion: Incident = {
  startMs,
  adjust: (draft, rng) => {
    if (draft.profile.model !== 'sonnet' || draft.cacheHit || !rng.chance(0.02)) return;
    draft.inputTokens = rng.int(12_000, 40_000);
  },
  extraSessions: [
    { intent: 'recommendation', language: 'en', startMs: startMs + 30 * 60_000, turns: 60, gapMs: 20_000 },
  ],
  adjustExtra: (draft, rng, turn) => {
    draft.cacheHit = false;
    draft.cacheReadTokens = 0;
    draft.cacheWriteTokens = 0;
    draft.inputTokens = 2_000 + turn * 1_000 + rng.int(0, 200);
    draft.outputTokens = rng.int(400, 600);
  },
};

/** Current Bedrock models as teams call them: the id form and the region go together. */
const CURRENT_SONNET: readonly (readonly [string, string])[] = [
  ['global.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-east-1'],
  ['us.anthropic.claude-sonnet-4-5-20250929-v1:0', 'us-west-2'],
  ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu-west-1'],
  ['eu.anthropic.claude-sonnet-4-5-20250929-v1:0', 'eu-central-1'],
  ['au.anthropic.claude-sonnet-4-5-20250929-v1:0', 'ap-southeast-2'],
  ['anthropic.claude-sonnet-4-20250514-v1:0', 'us-east-1'],
];
const CURRENT_HAIKU: readonly (readonly [string, string])[] = [
  ['global.anthropic.claude-haiku-4-5-20251001-v1:0', 'us-east-1'],
  ['jp.anthropic.claude-haiku-4-5-20251001-v1:0', 'ap-northeast-1'],
  ['us.amazon.nova-lite-v1:0', 'us-east-1'],
  ['amazon.nova-micro-v1:0', 'eu-west-1'],
];
/** A model newer than the price catalog: counted at its vendor's ceiling, estimated and alerted. */
export const UNCATALOGUED_MODEL = 'us.anthropic.claude-nextgen-9-v1:0';

/**
 * Migrated to the models of today: Sonnet intents on Sonnet 4.5 (and 4) and Haiku intents on Haiku 4.5
 * and Nova, through global, geographic and in-region ids from six regions; one call in 200 goes to a
 * model the catalog does not list yet.
 */
export const currentModels: Incident = {
  startMs: 0,
  adjust: (draft, rng) => {
    const choices = draft.profile.model === 'sonnet' ? CURRENT_SONNET : CURRENT_HAIKU;
    const [modelId, region] = choices[rng.int(0, choices.length - 1)] ?? ['', ''];
    draft.modelId = rng.chance(0.005) ? UNCATALOGUED_MODEL : modelId;
    draft.region = region;
  },
};

/**
 * Slow drift: calls grow steadily dearer over the day (a prompt change rolled out region by region that
 * keeps more history and asks for longer answers), from as usual at midnight to five times the
 * uncached input and output at the end of the day.
 */
export const slowDrift: Incident = {
  startMs: 0,
  adjust: (draft) => {
    if (draft.cacheHit) return;
    const growth = 1 + 4 * ((draft.atMs % 86_400_000) / 86_400_000);
    draft.inputTokens = Math.round(draft.inputTokens * growth);
    draft.outputTokens = Math.round(draft.outputTokens * growth);
  },
};

/** Hours of the holiday sale (UTC): Japan's evening and the US morning. */
export const HOLIDAY_HOURS = { fromHour: 10, toHour: 16 } as const;

/**
 * A legitimate holiday surge (seed 003 Q8): three times the usual traffic of every intent for six hours,
 * each call an ordinary one. Nothing is wrong; a breaker that degrades customers here is a false positive.
 */
export const holidaySurge: Incident = {
  startMs: HOLIDAY_HOURS.fromHour * 3_600_000,
  surge: { ...HOLIDAY_HOURS, factor: 3 },
};

/** The intent the chatbot keeps on Sonnet even when degraded (seed 001 A10). */
export const PROTECTED_INTENT = 'recommendation';

/**
 * A runaway inside the protected intent: from 14:00 UTC its agent loops over tool results, each call
 * carrying about 60 times the usual input. The loop is in the agent, not in retrieval, so degrading
 * does not end it, and the chatbot keeps the intent on Sonnet whatever the flags say.
 */
export const protectedRunaway: Incident = {
  startMs: 14 * 3_600_000,
  adjust: (draft, rng) => {
    if (draft.profile.intent !== PROTECTED_INTENT || draft.cacheHit) return;
    draft.inputTokens = Math.round(draft.inputTokens * 60 * rng.between(0.9, 1.1));
  },
};
