import table from '../schemas/price-tables/2024-11-01.json' with { type: 'json' };
import type { TokenUsage } from './events';

/**
 * The producer's own price table, used only for `reported_cost_usd`: the same file the consumer
 * prices with (schemas/price-tables/), so a correct producer reports exactly the server-side cost
 * and a difference over 1% means a producer bug or a stale table. Prices are nano-dollars per token.
 */
export const PRODUCER_PRICE_TABLE: {
  version: string;
  models: Readonly<
    Record<
      string,
      { input: number; output: number; cache_read: number; cache_write: number; cache_write_1h: number }
    >
  >;
  region_multiplier_basis_points: Readonly<Record<string, number>>;
} = table;

export const SONNET_MODEL_ID = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
export const HAIKU_MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';

/** Cross-region inference profiles prefix the model id with a geography and bill as the base model. */
const INFERENCE_PROFILES = ['us.', 'eu.', 'apac.', 'us-gov.', 'global.'];

const pricesOf = (modelId: string) => {
  const profile = INFERENCE_PROFILES.find((prefix) => modelId.startsWith(prefix));
  return PRODUCER_PRICE_TABLE.models[profile ? modelId.slice(profile.length) : modelId];
};

/**
 * The producer-side cost of one call in USD: each token class at its own price (cache reads and
 * writes are not input tokens), times the region's multiplier. Undefined for a model or region the
 * table does not list, so a guess is never reported.
 */
export const reportedCostUsd = (
  modelId: string,
  usage: TokenUsage,
  region = 'us-east-1',
): number | undefined => {
  const prices = pricesOf(modelId);
  const multiplier = PRODUCER_PRICE_TABLE.region_multiplier_basis_points[region];
  if (!prices || multiplier === undefined) return undefined;
  const nano =
    usage.inputTokens * prices.input +
    usage.outputTokens * prices.output +
    usage.cacheReadTokens * prices.cache_read +
    usage.cacheWriteTokens * prices.cache_write +
    (usage.cacheWrite1hTokens ?? 0) * prices.cache_write_1h;
  // Whole nano-dollars, rounded half up, as the consumer rounds.
  const regional = multiplier === 10_000 ? nano : Math.floor((nano * multiplier + 5_000) / 10_000);
  return regional / 1e9;
};
