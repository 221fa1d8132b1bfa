import catalogFile from '../../../schemas/price-catalog/bedrock.json' with { type: 'json' };

/**
 * The Bedrock price catalog as `npm run prices:update` generates it (scripts/build/price-catalog.ts):
 * from the kept public source plus `schemas/price-catalog/supplement.json`. In memory, rates are
 * integer pico-dollars per token (1 USD = 1e12), so every published price, down to Nova Micro's
 * $0.00875 per million (8,750 pico-dollars), is exact.
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
  /**
   * Uplift over the list price by Bedrock region, basis points (10000 = 1.0x), for models AWS prices
   * the same in every region; where it prices `global.` apart, the regional rate already holds the
   * regional premium, and only `model_uplifts` apply.
   */
  regions: Record<string, number>;
  /** Models (by id prefix) that a region prices above the rest: that region's own uplift for them. */
  model_uplifts: { models: string[]; regions: Record<string, number> }[];
  geographic_prefixes: string[];
  models: CatalogModel[];
}

export const PICO_PER_NANO = 1_000;
export const PICO_PER_USD = 1_000_000_000_000;

/** USD per million tokens -> integer pico-dollars per token; a price finer than that is rounded up. */
export const picoPerToken = (usdPerMillion: number): number => {
  const scaled = usdPerMillion * 1_000_000;
  const nearest = Math.round(scaled);
  return Math.abs(scaled - nearest) < 1e-6 ? nearest : Math.ceil(scaled);
};

/*
 * The file form: the same content as positional tuples, in USD per million tokens as the source writes
 * prices, because every Lambda bundle carries it and the object form is twice the size (the bundle
 * floor is 500 KB). `layout` in the file says what each position holds.
 */
type FileRates = number[];
type FileCard = [FileRates] | [FileRates, [number, FileRates][]];
type FilePeriod = [string | null, FileCard, FileCard | null];
type FileModel = [string, string[], string[], FilePeriod[], number[]];

export interface CatalogFile {
  version: string;
  source: PriceCatalog['source'];
  unit: string;
  layout: Record<string, string>;
  components: readonly Component[];
  regions: Record<string, number>;
  model_uplifts: PriceCatalog['model_uplifts'];
  geographic_prefixes: string[];
  models: FileModel[];
}

const versionlessStem = (id: string): string => id.replace(/:\d+$/, '');

const toRates = (rates: FileRates): Rates => {
  const [input = 0, output = 0, cache_read = 0, cache_write = 0, cache_write_1h = 0] =
    rates.map(picoPerToken);
  return { input, output, cache_read, cache_write, cache_write_1h };
};

const toCard = ([rates, tiers = []]: FileCard): RateCard => ({
  rates: toRates(rates),
  tiers: tiers.map(([above, tierRates]) => ({ above_prompt_tokens: above, rates: toRates(tierRates) })),
});

const usdPerMillion = (pico: number): number => Number((pico / 1_000_000).toPrecision(15));
const fromRates = (rates: Rates): FileRates => COMPONENTS.map((c) => usdPerMillion(rates[c]));
const fromCard = (card: RateCard): FileCard =>
  card.tiers.length === 0
    ? [fromRates(card.rates)]
    : [fromRates(card.rates), card.tiers.map((t) => [t.above_prompt_tokens, fromRates(t.rates)])];

export const decodeCatalog = (file: CatalogFile): PriceCatalog => ({
  version: file.version,
  source: file.source,
  unit: 'pico-dollars per token (1 USD = 1e12)',
  regions: file.regions,
  model_uplifts: file.model_uplifts,
  geographic_prefixes: file.geographic_prefixes,
  models: file.models.map(([id, prefix, exact, periods, derived]) => ({
    id,
    family: id.split('.')[0] ?? id,
    match: { exact, prefix: [...new Set([versionlessStem(id), ...prefix])].sort() },
    periods: periods.map(([from, regional, global]) => ({
      from,
      regional: toCard(regional),
      global: global === null ? null : toCard(global),
    })),
    derived: derived.flatMap((i) => COMPONENTS[i] ?? []),
  })),
});

export const encodeCatalog = (catalog: PriceCatalog): CatalogFile => ({
  version: catalog.version,
  source: catalog.source,
  unit: 'USD per million tokens',
  layout: {
    models:
      '[base model id, extra id prefixes it matches, exact ids it matches, periods, indexes of derived components]',
    period: '[first UTC day in force or null for always, regional rate card, global rate card or null]',
    card: '[rates] or [rates, tiers]; a tier is [applies above this many prompt tokens, rates]',
    rates: 'USD per million tokens, one per entry of `components`',
  },
  components: COMPONENTS,
  regions: catalog.regions,
  model_uplifts: catalog.model_uplifts,
  geographic_prefixes: catalog.geographic_prefixes,
  models: catalog.models.map((m) => [
    m.id,
    m.match.prefix.filter((p) => p !== versionlessStem(m.id)),
    m.match.exact,
    m.periods.map((p) => [p.from, fromCard(p.regional), p.global === null ? null : fromCard(p.global)]),
    m.derived.map((c) => COMPONENTS.indexOf(c)),
  ]),
});

export class CatalogFileError extends Error {
  override name = 'CatalogFileError';
}

/**
 * The shape of the file, checked at load: the generator writes it (encodeCatalog) and a test rebuilds
 * it from the source, so this only guards against a hand edit that would break every price.
 */
const isCatalogFile = (value: unknown): value is CatalogFile => {
  if (typeof value !== 'object' || value === null) return false;
  const file = value as Record<string, unknown>;
  return (
    typeof file.version === 'string' &&
    Array.isArray(file.models) &&
    Array.isArray(file.model_uplifts) &&
    Array.isArray(file.geographic_prefixes) &&
    typeof file.regions === 'object' &&
    file.models.every(
      (m) => Array.isArray(m) && m.length === 5 && typeof m[0] === 'string' && Array.isArray(m[3]),
    )
  );
};

const loadCatalog = (file: unknown): PriceCatalog => {
  if (!isCatalogFile(file))
    throw new CatalogFileError(
      'schemas/price-catalog/bedrock.json: not a catalog file; run npm run prices:update',
    );
  return decodeCatalog(file);
};

export const BEDROCK_CATALOG: PriceCatalog = loadCatalog(catalogFile);
