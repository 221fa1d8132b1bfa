import catalogJson from '../../../schemas/price-catalog/bedrock.json' with { type: 'json' };

/**
 * The Bedrock price catalog as `npm run prices:update` generates it (scripts/build/price-catalog.ts):
 * from the kept public source plus `schemas/price-catalog/supplement.json`. Rates are integer
 * pico-dollars per token (1 USD = 1e12), so every published price, down to Nova Micro's $0.00875 per
 * million (8,750 pico-dollars), is exact.
 */
export const COMPONENTS = ['input', 'output', 'cache_read', 'cache_write', 'cache_write_1h'] as const;
export type Component = (typeof COMPONENTS)[number];

export type Rates = Record<Component, number>;

/** Rates for a request whose prompt (input plus cache reads and writes) is above the threshold. */
export interface Tier {
  above_prompt_tokens: number;
  rates: Rates;
}

export interface RateCard {
  rates: Rates;
  /** Ascending by threshold; the highest one a request passes applies to all its tokens. */
  tiers: Tier[];
}

/** Prices in force from `from` (a UTC date, inclusive) until the next period; `null` is "always". */
export interface PricePeriod {
  from: string | null;
  /** In-region calls and geographic inference profiles (`us.`, `eu.`, ...). */
  regional: RateCard;
  /** `global.` inference profiles, where AWS prices them apart; else the regional card applies. */
  global: RateCard | null;
}

export interface CatalogModel {
  /** The base model id spend is aggregated under. */
  id: string;
  /** The vendor (`anthropic`, `amazon`, ...): the family whose ceiling prices an unknown model. */
  family: string;
  /** Base ids (profile prefix removed) that are this model: exactly, or by the longest prefix. */
  match: { exact: string[]; prefix: string[] };
  periods: PricePeriod[];
  /** Components the source does not publish for this model, priced by the supplement's rule. */
  derived: Component[];
}

export interface PriceCatalog {
  version: string;
  source: { package: string; version: string; supplement: string };
  unit: string;
  /** Uplift over the list price by Bedrock region, basis points (10000 = 1.0x). */
  regions: Record<string, number>;
  geographic_prefixes: string[];
  models: CatalogModel[];
}

export const BEDROCK_CATALOG: PriceCatalog = catalogJson as PriceCatalog;

export const PICO_PER_NANO = 1_000;
export const PICO_PER_USD = 1_000_000_000_000;
