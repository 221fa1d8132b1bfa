import table20241101 from '../../../schemas/price-tables/2024-11-01.json' with { type: 'json' };
import type { CostEvent } from '../events/cost-event';

/** Nano-dollars per token for each billed token class. */
export interface ModelPrices {
  input: number;
  output: number;
  cache_read: number;
  cache_write: number;
  cache_write_1h: number;
}

export interface PriceTable {
  version: string;
  models: Record<string, ModelPrices>;
  /** 10000 = 1.0x; integers keep the multiplication exact. */
  region_multiplier_basis_points: Record<string, number>;
}

export const DEFAULT_PRICE_TABLE: PriceTable = table20241101;

export type PricingFailure = 'unknown_model' | 'unknown_region';
export type PriceResult = { ok: true; costNano: number } | { ok: false; reason: PricingFailure };

// Cross-region inference profiles ("us.anthropic...") bill at the base model's price.
const INFERENCE_PROFILE_PREFIX = /^(us|eu|apac|us-gov|global)\./;

const canonicalIds = new Map<string, string>();

/** The model id used for pricing and aggregation: the base model behind an inference profile. */
export const canonicalModelId = (modelId: string): string => {
  let canonical = canonicalIds.get(modelId);
  if (canonical === undefined) {
    canonical = modelId.replace(INFERENCE_PROFILE_PREFIX, '');
    // Model ids are few; the bound only guards against a flood of distinct bogus ones.
    if (canonicalIds.size < 1_000) canonicalIds.set(modelId, canonical);
  }
  return canonical;
};

/** Tokens of one model call, by billed class. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** 5-minute tier. */
  cacheWriteTokens: number;
  cacheWrite1hTokens?: number;
}

/**
 * The cost of one call: each token class at its own price (cache reads and writes are not input
 * tokens), times the region multiplier, rounded half up to a whole nano-dollar. The one pricing rule,
 * used by the consumer and by producers reporting their own figure.
 */
export const priceUsage = (
  modelId: string,
  region: string,
  usage: TokenUsage,
  table: PriceTable,
): PriceResult => {
  const prices = table.models[canonicalModelId(modelId)];
  if (prices === undefined) return { ok: false, reason: 'unknown_model' };
  const multiplier = table.region_multiplier_basis_points[region];
  if (multiplier === undefined) return { ok: false, reason: 'unknown_region' };
  const base =
    usage.inputTokens * prices.input +
    usage.outputTokens * prices.output +
    usage.cacheReadTokens * prices.cache_read +
    usage.cacheWriteTokens * prices.cache_write +
    (usage.cacheWrite1hTokens ?? 0) * prices.cache_write_1h;
  return {
    ok: true,
    costNano: multiplier === 10_000 ? base : Math.floor((base * multiplier + 5_000) / 10_000),
  };
};

/** Server-side cost of one event. */
export const priceEvent = (event: CostEvent, table: PriceTable): PriceResult =>
  priceUsage(event.modelId, event.region, event, table);
