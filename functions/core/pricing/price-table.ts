import type { CostEvent } from '../events/cost-event';
import {
  BEDROCK_CATALOG,
  type CatalogModel,
  COMPONENTS,
  type Component,
  PICO_PER_NANO,
  type PriceCatalog,
  type RateCard,
  type Rates,
} from './catalog';
import { applicationProfileId, type IdForm, parseModelId } from './model-ids';

/** Tokens of one model call, by billed class. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** 5-minute tier. */
  cacheWriteTokens: number;
  cacheWrite1hTokens?: number;
}

export interface PricingOptions {
  /** What prices a model the catalog does not know: its vendor's highest rates, or the catalog's. */
  unknownModelCeiling: 'family' | 'catalog';
  /** Application inference profile ARN (or its id) -> the model id it was made from. */
  applicationProfiles: Readonly<Record<string, string>>;
}

export const DEFAULT_PRICING_OPTIONS: PricingOptions = {
  unknownModelCeiling: 'family',
  applicationProfiles: {},
};

/** Why a cost is an upper bound rather than the list price. */
export type EstimateReason = 'unknown_model' | 'unknown_region' | 'unmapped_application_profile';

/** What an id names: a catalog model, or a ceiling standing in for one the catalog does not know. */
export interface ModelResolution {
  /** The id spend is aggregated under: the catalog's base id, or the id as given without its profile. */
  model: string;
  form: IdForm;
  known: CatalogModel | undefined;
  ceiling: RateCard;
  reason: EstimateReason | null;
}

/** The counted cost of one call: never below the list price, in whole nano-dollars. */
export interface PricedUsage {
  costNano: number;
  estimated: boolean;
  reason: EstimateReason | null;
  model: string;
}

export interface ComponentQuote {
  tokens: number;
  /** After the regional uplift. */
  picoPerToken: number;
  costPico: number;
}

export interface PriceQuote extends PricedUsage {
  form: IdForm;
  region: string;
  upliftBasisPoints: number;
  /** The long-context tier's threshold when one applied. */
  tierAbovePromptTokens: number | null;
  periodFrom: string | null;
  components: Record<Component, ComponentQuote>;
  derived: Component[];
}

export interface PriceTable {
  readonly version: string;
  readonly catalog: PriceCatalog;
  readonly options: PricingOptions;
  resolve(modelId: string): ModelResolution;
  /** The aggregate's hot path: the cost and whether it is an estimate. */
  price(modelId: string, region: string, usage: TokenUsage, atMs: number): PricedUsage;
  /** The same price, itemised, for `ccb price`. */
  quote(modelId: string, region: string, usage: TokenUsage, atMs: number): PriceQuote;
}

const BASIS = 10_000;
const RESOLUTION_CACHE_LIMIT = 1_000;

const usageTokens = (usage: TokenUsage): Rates => ({
  input: usage.inputTokens,
  output: usage.outputTokens,
  cache_read: usage.cacheReadTokens,
  cache_write: usage.cacheWriteTokens,
  cache_write_1h: usage.cacheWrite1hTokens ?? 0,
});

const maxRates = (cards: RateCard[]): RateCard => {
  const rates = { input: 0, output: 0, cache_read: 0, cache_write: 0, cache_write_1h: 0 };
  for (const card of cards) {
    for (const candidate of [card.rates, ...card.tiers.map((t) => t.rates)]) {
      for (const c of COMPONENTS) rates[c] = Math.max(rates[c], candidate[c]);
    }
  }
  return { rates, tiers: [] };
};

const cardsOf = (model: CatalogModel): RateCard[] =>
  model.periods.flatMap((p) => (p.global === null ? [p.regional] : [p.regional, p.global]));

/** Whole nano-dollars at or above pico x uplift: exact in BigInt when the product leaves 2^53. */
const nanoCeil = (pico: number, upliftBp: number): number => {
  const scaled = pico * upliftBp;
  const divisor = BASIS * PICO_PER_NANO;
  if (Number.isSafeInteger(scaled)) return Math.ceil(scaled / divisor);
  const big = BigInt(pico) * BigInt(upliftBp);
  const divisorBig = BigInt(divisor);
  return Number((big + divisorBig - 1n) / divisorBig);
};

const applicableRates = (card: RateCard, promptTokens: number): { rates: Rates; tier: number | null } => {
  let rates = card.rates;
  let tier: number | null = null;
  for (const t of card.tiers) {
    if (promptTokens > t.above_prompt_tokens) {
      rates = t.rates;
      tier = t.above_prompt_tokens;
    }
  }
  return { rates, tier };
};

/**
 * Builds the pricing rule every path shares (aggregate, archive, reports, producer, `ccb price`). A call
 * is priced at the catalog's rate for its model, id form, date and prompt size, times its region's
 * uplift, and rounded up to a whole nano-dollar. What the catalog cannot price exactly is priced at a
 * ceiling and marked estimated: never dropped, never below what it could cost.
 */
export const createPriceTable = (
  catalog: PriceCatalog,
  options: PricingOptions = DEFAULT_PRICING_OPTIONS,
): PriceTable => {
  const byId = new Map<string, CatalogModel>();
  const prefixes: [string, CatalogModel][] = [];
  for (const model of catalog.models) {
    byId.set(model.id, model);
    for (const id of model.match.exact) if (!byId.has(id)) byId.set(id, model);
    for (const prefix of model.match.prefix) prefixes.push([prefix, model]);
  }
  prefixes.sort(([a], [b]) => b.length - a.length || a.localeCompare(b));
  const periodStarts = new Map(
    catalog.models.map((m) => [
      m,
      m.periods.map((p) => (p.from === null ? -Infinity : Date.parse(`${p.from}T00:00:00.000Z`))),
    ]),
  );

  const familyCeilings = new Map<string, RateCard>();
  for (const model of catalog.models) {
    const current = familyCeilings.get(model.family);
    familyCeilings.set(model.family, maxRates([...(current ? [current] : []), ...cardsOf(model)]));
  }
  const catalogCeiling = maxRates([...familyCeilings.values()]);
  const highestUplift = Math.max(
    BASIS,
    ...Object.values(catalog.regions),
    ...catalog.model_uplifts.flatMap((u) => Object.values(u.regions)),
  );
  /** The most any known region adds to a model's regional rate. */
  const highestUpliftOf = (model: CatalogModel): number => {
    const uniform = model.periods.every((p) => p.global === null) ? Object.values(catalog.regions) : [];
    const own = catalog.model_uplifts
      .filter((u) => u.models.some((prefix) => model.id.startsWith(prefix)))
      .flatMap((u) => Object.values(u.regions));
    return Math.max(BASIS, ...uniform, ...own);
  };
  /** A model's own uplift in a region, where the region prices it above the rest. */
  const ownUplifts = new Map<CatalogModel, Record<string, number> | undefined>();
  const modelUplift = (model: CatalogModel, region: string): number | undefined => {
    if (!ownUplifts.has(model)) {
      const own = catalog.model_uplifts.find((u) => u.models.some((prefix) => model.id.startsWith(prefix)));
      ownUplifts.set(model, own?.regions);
    }
    return ownUplifts.get(model)?.[region];
  };

  const lookup = (baseId: string): CatalogModel | undefined =>
    byId.get(baseId) ?? prefixes.find(([prefix]) => baseId.startsWith(prefix))?.[1];

  const unknown = (model: string, form: IdForm, reason: EstimateReason, family?: string): ModelResolution => {
    const familyCeiling = family === undefined ? undefined : familyCeilings.get(family);
    const ceiling =
      options.unknownModelCeiling === 'family' && familyCeiling ? familyCeiling : catalogCeiling;
    return { model, form, known: undefined, ceiling, reason };
  };

  const resolveUncached = (modelId: string): ModelResolution => {
    const parsed = parseModelId(modelId, catalog.geographic_prefixes);
    if (parsed.form === 'application_profile') {
      const mapped =
        options.applicationProfiles[modelId] ?? options.applicationProfiles[applicationProfileId(modelId)];
      if (mapped === undefined || mapped === modelId)
        return unknown(modelId, parsed.form, 'unmapped_application_profile');
      return resolveUncached(mapped);
    }
    const known = lookup(parsed.baseId);
    if (known === undefined)
      return unknown(parsed.baseId, parsed.form, 'unknown_model', parsed.baseId.split('.')[0]);
    return { model: known.id, form: parsed.form, known, ceiling: maxRates(cardsOf(known)), reason: null };
  };

  const resolutions = new Map<string, ModelResolution>();
  const resolve = (modelId: string): ModelResolution => {
    let resolution = resolutions.get(modelId);
    if (resolution === undefined) {
      resolution = resolveUncached(modelId);
      // Model ids are few; the bound only guards against a flood of distinct bogus ones.
      if (resolutions.size < RESOLUTION_CACHE_LIMIT) resolutions.set(modelId, resolution);
    }
    return resolution;
  };

  /** The rate card, uplift and reason for one call. */
  const terms = (resolution: ModelResolution, region: string, atMs: number) => {
    const uplift = catalog.regions[region];
    const reason = resolution.reason ?? (uplift === undefined ? 'unknown_region' : null);
    const model = resolution.known;
    if (model === undefined || uplift === undefined) {
      // An unknown region pays the model's highest rate in its highest-priced region.
      const upliftBp = uplift ?? (model === undefined ? highestUplift : highestUpliftOf(model));
      return { card: resolution.ceiling, upliftBp, reason, periodFrom: null };
    }
    const starts = periodStarts.get(model) ?? [];
    let index = 0;
    for (let i = starts.length - 1; i > 0; i -= 1) {
      if (atMs >= (starts[i] ?? Infinity)) {
        index = i;
        break;
      }
    }
    const period = model.periods[index] ?? model.periods[0];
    if (period === undefined) return { card: resolution.ceiling, upliftBp: uplift, reason, periodFrom: null };
    const global = resolution.form === 'global' && period.global !== null;
    // Where AWS prices `global.` apart, its regional rate is the regional premium: no uplift on top.
    const own = modelUplift(model, region);
    const regionalUplift = period.global === null ? Math.max(uplift, own ?? BASIS) : (own ?? BASIS);
    return {
      card: global && period.global ? period.global : period.regional,
      upliftBp: global ? BASIS : regionalUplift,
      reason,
      periodFrom: period.from,
    };
  };

  const price = (modelId: string, region: string, usage: TokenUsage, atMs: number): PricedUsage => {
    const resolution = resolve(modelId);
    const { card, upliftBp, reason } = terms(resolution, region, atMs);
    const write1h = usage.cacheWrite1hTokens ?? 0;
    const prompt = usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens + write1h;
    const { rates } = applicableRates(card, prompt);
    const pico =
      usage.inputTokens * rates.input +
      usage.outputTokens * rates.output +
      usage.cacheReadTokens * rates.cache_read +
      usage.cacheWriteTokens * rates.cache_write +
      write1h * rates.cache_write_1h;
    const costNano = Number.isSafeInteger(pico) ? nanoCeil(pico, upliftBp) : bigCost(usage, rates, upliftBp);
    return { costNano, estimated: reason !== null, reason, model: resolution.model };
  };

  const quote = (modelId: string, region: string, usage: TokenUsage, atMs: number): PriceQuote => {
    const resolution = resolve(modelId);
    const { card, upliftBp, periodFrom } = terms(resolution, region, atMs);
    const tokens = usageTokens(usage);
    const prompt = tokens.input + tokens.cache_read + tokens.cache_write + tokens.cache_write_1h;
    const { rates, tier } = applicableRates(card, prompt);
    const components = Object.fromEntries(
      COMPONENTS.map((c) => {
        const picoPerToken = (rates[c] * upliftBp) / BASIS;
        return [c, { tokens: tokens[c], picoPerToken, costPico: tokens[c] * picoPerToken }];
      }),
    ) as Record<Component, ComponentQuote>;
    return {
      ...price(modelId, region, usage, atMs),
      form: resolution.form,
      region,
      upliftBasisPoints: upliftBp,
      tierAbovePromptTokens: tier,
      periodFrom,
      components,
      derived: resolution.known?.derived ?? [],
    };
  };

  return { version: catalog.version, catalog, options, resolve, price, quote };
};

/** The same sum in BigInt, for token counts far beyond any valid event (invocation logs are not capped). */
const bigCost = (usage: TokenUsage, rates: Rates, upliftBp: number): number => {
  const tokens = usageTokens(usage);
  let pico = 0n;
  for (const c of COMPONENTS) pico += BigInt(tokens[c]) * BigInt(rates[c]);
  const divisor = BigInt(BASIS * PICO_PER_NANO);
  return Number((pico * BigInt(upliftBp) + divisor - 1n) / divisor);
};

export const DEFAULT_PRICE_TABLE: PriceTable = createPriceTable(BEDROCK_CATALOG);

/** The model id used for aggregation: the catalog's base model behind any id form. */
export const canonicalModelId = (modelId: string, table: PriceTable = DEFAULT_PRICE_TABLE): string =>
  table.resolve(modelId).model;

/** Server-side cost of one event, by its own event time. */
export const priceEvent = (event: CostEvent, table: PriceTable): PricedUsage =>
  table.price(event.modelId, event.region, event, event.occurredAt);

/** The cost of one call in the producer's terms; the same rule the consumer applies. */
export const priceUsage = (
  modelId: string,
  region: string,
  usage: TokenUsage,
  table: PriceTable,
  atMs: number,
): PricedUsage => table.price(modelId, region, usage, atMs);
