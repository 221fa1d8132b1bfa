import { DEFAULT_PRICE_TABLE, type PriceTable, priceUsage } from '../functions/core/pricing/price-table';
import type { TokenUsage } from './events';

/**
 * The producer's price table, used only for `reported_cost_usd`: the same table and the same rule the
 * consumer prices with, so a correct producer reports exactly the server-side cost and a difference
 * over 1% means a producer bug or a stale table.
 */
export const PRODUCER_PRICE_TABLE: PriceTable = DEFAULT_PRICE_TABLE;

export const SONNET_MODEL_ID = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
export const HAIKU_MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';

/**
 * The producer-side cost of one call in USD at its own time (a price change applies from its date);
 * undefined where the catalog can only estimate (an unknown model or region), so a guess is never
 * reported as the producer's figure.
 */
export const reportedCostUsd = (
  modelId: string,
  usage: TokenUsage,
  atMs: number,
  region = 'us-east-1',
): number | undefined => {
  const price = priceUsage(modelId, region, usage, PRODUCER_PRICE_TABLE, atMs);
  return price.estimated ? undefined : price.costNano / 1e9;
};
