import type { Language } from '../../producer';
import { HAIKU_MODEL_ID, SONNET_MODEL_ID } from '../../producer';

export type ModelTier = 'sonnet' | 'haiku';

export const MODEL_IDS: Readonly<Record<ModelTier, string>> = {
  sonnet: SONNET_MODEL_ID,
  haiku: HAIKU_MODEL_ID,
};

export interface IntentProfile {
  intent: string;
  model: ModelTier;
  /** Model calls per day at scale 1 (seed 001, A4). */
  dailyVolume: number;
  avgInputTokens: number;
  avgOutputTokens: number;
  /** Share answered by the application's response cache (no model call, zero tokens). */
  appCacheHitRate: number;
}

/** The chatbot's ten intents, their models, volumes and average token counts: seed 001, A4. */
const A4: readonly (readonly [string, ModelTier, number, number, number, number])[] = [
  // intent, model, calls per day, avg input tokens, avg output tokens, app cache hit rate
  ['recommendation', 'sonnet', 67_000, 1_200, 450, 0],
  ['product_question', 'sonnet', 50_000, 900, 400, 0],
  ['faq', 'haiku', 100_000, 500, 200, 0.35],
  ['order_tracking', 'haiku', 83_000, 600, 300, 0.25],
  ['return_request', 'haiku', 27_000, 700, 350, 0],
  ['promotion', 'haiku', 40_000, 400, 200, 0],
  ['checkout_help', 'sonnet', 33_000, 800, 300, 0],
  ['chitchat', 'haiku', 17_000, 300, 150, 0],
  ['escalation', 'haiku', 7_000, 600, 400, 0],
  ['product_discovery', 'sonnet', 60_000, 1_100, 400, 0],
];

export const INTENTS: readonly IntentProfile[] = A4.map(
  ([intent, model, dailyVolume, avgInputTokens, avgOutputTokens, appCacheHitRate]) => ({
    intent,
    model,
    dailyVolume,
    avgInputTokens,
    avgOutputTokens,
    appCacheHitRate,
  }),
);

/**
 * Relative traffic per UTC hour: a Japanese evening peak (UTC 10-14 is 19-23 JST) and a US
 * daytime peak (UTC 14-02), with a trough in between. Seed 001 A9 shows 2,834 recommendation
 * conversations in hour 14 of 67K, about 4.2% of the day; this curve gives hour 14 about 5.3%.
 */
export const DIURNAL_WEIGHTS: readonly number[] = [
  4.6, 4.2, 3.6, 3.0, 2.6, 2.4, 2.2, 2.3, 2.8, 3.4, 4.2, 4.8, 5.0, 5.0, 5.3, 5.5, 5.4, 5.1, 4.8, 4.6, 4.5,
  4.6, 4.7, 4.8,
];

export const LANGUAGES: readonly Language[] = ['en', 'ja', 'mixed'];
export const LANGUAGE_WEIGHTS: readonly number[] = [55, 35, 10];

/** Turns per session, 1 to 6: most conversations are short. */
export const TURN_WEIGHTS: readonly number[] = [30, 25, 18, 12, 9, 6];

/** Seconds between a session's turns: "a few tens of seconds". */
export const TURN_GAP_SECONDS = { min: 15, max: 75 } as const;

/** Per-event variation of token counts around the intent's mean. */
export const TOKEN_SPREAD = 0.25;

/** Share of events still written by the orchestrator's legacy (v1) logger. */
export const V1_SHARE = 0.1;

/** Sonnet calls reuse a cached system-prompt prefix of about this share of the prompt. */
export const PROMPT_CACHE = { prefixShare: 0.35, readRate: 0.75, writeRate: 0.08 } as const;

export const REGION = 'us-east-1';
export const COMPONENT = 'llm';
export const PRODUCER = 'orchestrator@1.0.0';
