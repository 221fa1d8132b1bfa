// Generates schemas/price-catalog/bedrock.json, the Bedrock price catalog every pricing path reads,
// from the kept public source (@pydantic/genai-prices, provider `aws`) plus the hand-kept
// schemas/price-catalog/supplement.json. Run `npm run prices:update` after upgrading the package or
// editing the supplement; a unit test fails while the committed catalog is stale against both.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type ConditionalPrice,
  findProvider,
  type MatchLogic,
  type ModelInfo,
  type ModelPrice,
} from '@pydantic/genai-prices';
import {
  type CatalogFile,
  type CatalogModel,
  COMPONENTS,
  type Component,
  decodeCatalog,
  encodeCatalog,
  type PriceCatalog,
  type PricePeriod,
  picoPerToken,
  type RateCard,
  type Rates,
  type Tier,
} from '../../functions/core/pricing/catalog';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const CATALOG_PATH = join(ROOT, 'schemas/price-catalog/bedrock.json');
export const SUPPLEMENT_PATH = join(ROOT, 'schemas/price-catalog/supplement.json');
const SOURCE_PACKAGE = '@pydantic/genai-prices';

interface SupplementModel {
  id: string;
  why: string;
  prices: Record<string, number>;
  /** Fill in or replace these components of a model the source has, instead of adding one. */
  merge?: boolean;
}

export interface Supplement {
  regions: {
    uplift_basis_points: Record<string, number>;
    /** Models priced higher in some regions than the uniform uplift says. */
    model_uplifts: { models: string[]; regions: Record<string, number>; why: string }[];
  };
  geographic_prefixes: { prefixes: string[] };
  models: SupplementModel[];
  derived_components: {
    cache_read_x_input: number;
    cache_write_x_input: number;
    cache_write_1h_x_input: number;
  };
}

export class PriceCatalogError extends Error {
  override name = 'PriceCatalogError';
}

const SOURCE_KEYS: Record<Component, string> = {
  input: 'input_mtok',
  output: 'output_mtok',
  cache_read: 'cache_read_mtok',
  cache_write: 'cache_write_mtok',
  cache_write_1h: 'cache_write_1h_mtok',
};

type SourceRate = number | { base: number; tiers: { start: number; price: number }[] } | undefined;

const asSourceRate = (value: ModelPrice[string]): SourceRate => value;

/** One source price set as a rate card: missing components derived by the supplement's rule. */
const rateCard = (
  price: ModelPrice,
  rule: Supplement['derived_components'],
  derived: Set<Component>,
  embedding: boolean,
): RateCard => {
  const starts = new Set<number>();
  for (const component of COMPONENTS) {
    const rate = asSourceRate(price[SOURCE_KEYS[component]]);
    if (typeof rate === 'object') for (const tier of rate.tiers) starts.add(tier.start);
  }
  const ratesAt = (start: number | null): Rates => {
    const pick = (component: Component): number | undefined => {
      const rate = asSourceRate(price[SOURCE_KEYS[component]]);
      if (rate === undefined) return undefined;
      if (typeof rate === 'number') return picoPerToken(rate);
      const tier = start === null ? undefined : rate.tiers.find((t) => t.start === start);
      return picoPerToken(tier?.price ?? rate.base);
    };
    const input = pick('input');
    if (input === undefined) throw new PriceCatalogError('a price set without an input rate');
    const orDerived = (component: Component, factor: number): number => {
      const published = pick(component);
      if (published !== undefined) return published;
      derived.add(component);
      return Math.ceil(input * factor);
    };
    return {
      input,
      // An embedding model bills its input only; any other model's missing output rate is the input's.
      output: embedding && pick('output') === undefined ? 0 : orDerived('output', 1),
      cache_read: orDerived('cache_read', rule.cache_read_x_input),
      cache_write: orDerived('cache_write', rule.cache_write_x_input),
      cache_write_1h: orDerived('cache_write_1h', rule.cache_write_1h_x_input),
    };
  };
  const tiers: Tier[] = [...starts]
    .sort((a, b) => a - b)
    .map((start) => ({ above_prompt_tokens: start, rates: ratesAt(start) }));
  return { rates: ratesAt(null), tiers };
};

/** A source model's prices as dated periods (an unconstrained price first, then start dates). */
const sourcePeriods = (model: ModelInfo): { from: string | null; price: ModelPrice }[] => {
  if (!Array.isArray(model.prices)) return [{ from: null, price: model.prices }];
  return (model.prices as ConditionalPrice[]).map((conditional) => {
    const constraint = conditional.constraint;
    if (constraint !== undefined && constraint.type !== 'start_date')
      throw new PriceCatalogError(
        `${model.id}: a ${constraint.type} constraint has no meaning on Bedrock here`,
      );
    return { from: constraint?.start_date ?? null, price: conditional.prices };
  });
};

const inForce = <T extends { from: string | null }>(periods: T[], from: string | null): T | undefined =>
  periods
    .filter((p) => p.from === null || (from !== null && p.from <= from))
    .sort((a, b) => (a.from ?? '').localeCompare(b.from ?? ''))
    .at(-1);

const matchLeaves = (logic: MatchLogic): { exact: string[]; prefix: string[] } => {
  if ('or' in logic || 'and' in logic) {
    const parts = ('or' in logic ? logic.or : logic.and).map(matchLeaves);
    return { exact: parts.flatMap((p) => p.exact), prefix: parts.flatMap((p) => p.prefix) };
  }
  if ('equals' in logic) return { exact: [logic.equals], prefix: [] };
  if ('starts_with' in logic) return { exact: [], prefix: [logic.starts_with] };
  if ('contains' in logic) return { exact: [], prefix: [logic.contains] };
  if ('ends_with' in logic) return { exact: [], prefix: [logic.ends_with] };
  return { exact: [], prefix: [] };
};

/** `global.x`, `regional.x`, `us.x` -> `x`: the catalog matches base ids, the id form is priced apart. */
const stripProfile = (id: string, prefixes: readonly string[]): string => {
  for (const prefix of ['global', 'regional', ...prefixes]) {
    if (id.startsWith(`${prefix}.`)) return id.slice(prefix.length + 1);
  }
  return id;
};

const sortedUnique = (values: string[]): string[] => [...new Set(values)].sort();

interface Draft {
  id: string;
  regional: ModelInfo | undefined;
  global: ModelInfo | undefined;
}

/** Groups the source's `regional.` and `global.` entries of one model under its base id. */
const groupByBaseId = (models: readonly ModelInfo[], prefixes: readonly string[]): Draft[] => {
  const drafts = new Map<string, Draft>();
  for (const model of models) {
    const id = stripProfile(model.id, prefixes);
    const draft = drafts.get(id) ?? { id, regional: undefined, global: undefined };
    if (model.id.startsWith('global.')) draft.global = model;
    else draft.regional = model;
    drafts.set(id, draft);
  }
  return [...drafts.values()];
};

const catalogModel = (draft: Draft, supplement: Supplement): CatalogModel => {
  const prefixes = supplement.geographic_prefixes.prefixes;
  const derived = new Set<Component>();
  const rule = supplement.derived_components;
  const regionalSource = draft.regional ?? draft.global;
  if (regionalSource === undefined) throw new PriceCatalogError(`${draft.id}: no prices`);
  const regional = sourcePeriods(regionalSource);
  const global =
    draft.global === undefined || draft.regional === undefined ? [] : sourcePeriods(draft.global);
  const boundaries = sortedUnique([...regional, ...global].map((p) => p.from ?? '')).map((b) => b || null);
  const periods: PricePeriod[] = boundaries.flatMap((from) => {
    const r = inForce(regional, from);
    if (r === undefined) return [];
    const g = inForce(global, from);
    const embedding = draft.id.includes('embed');
    return [
      {
        from,
        regional: rateCard(r.price, rule, derived, embedding),
        global: g ? rateCard(g.price, rule, derived, embedding) : null,
      },
    ];
  });
  const leaves = [draft.regional, draft.global].flatMap((m) => (m ? [matchLeaves(m.match)] : []));
  const family = draft.id.split('.')[0] ?? draft.id;
  // The source also matches the Anthropic and OpenAI APIs' own ids (`claude-...`); Bedrock's carry the vendor.
  const vendorQualified = (ids: string[]) =>
    ids
      .map((id) => stripProfile(id, prefixes))
      .filter((id) => id.startsWith(`${family}.`) && id !== draft.id);
  return {
    id: draft.id,
    family,
    match: {
      exact: sortedUnique(vendorQualified(leaves.flatMap((l) => l.exact))),
      prefix: sortedUnique([
        draft.id.replace(/:\d+$/, ''),
        ...vendorQualified(leaves.flatMap((l) => l.prefix)),
      ]),
    },
    periods,
    derived: COMPONENTS.filter((c) => derived.has(c)),
  };
};

/** Applies a supplement entry: a model the source lacks, or published components it leaves out. */
const supplemented = (
  models: CatalogModel[],
  entry: SupplementModel,
  supplement: Supplement,
): CatalogModel[] => {
  const existing = models.find((m) => m.id === entry.id);
  if (entry.merge !== true) {
    if (existing !== undefined)
      throw new PriceCatalogError(`${entry.id} is in the source: merge it or drop it`);
    const model = catalogModel(
      {
        id: entry.id,
        regional: { id: entry.id, match: { equals: entry.id }, prices: entry.prices },
        global: undefined,
      },
      supplement,
    );
    return [...models, model];
  }
  if (existing === undefined) throw new PriceCatalogError(`${entry.id}: nothing to merge into`);
  const overrides = COMPONENTS.flatMap((c) => {
    const usd = entry.prices[SOURCE_KEYS[c]];
    return usd === undefined ? [] : [[c, picoPerToken(usd)] as const];
  });
  const patch = (card: RateCard): RateCard => ({
    rates: { ...card.rates, ...Object.fromEntries(overrides) },
    tiers: card.tiers,
  });
  const merged: CatalogModel = {
    ...existing,
    periods: existing.periods.map((p) => ({
      ...p,
      regional: patch(p.regional),
      global: p.global && patch(p.global),
    })),
    derived: existing.derived.filter((c) => !overrides.some(([o]) => o === c)),
  };
  return models.map((m) => (m === existing ? merged : m));
};

/** The catalog's content from the source's models and the supplement; pure, so a test can rebuild it. */
export const buildCatalog = (
  sourceModels: readonly ModelInfo[],
  sourceVersion: string,
  supplement: Supplement,
  version: string,
): PriceCatalog => {
  const prefixes = supplement.geographic_prefixes.prefixes;
  let models = groupByBaseId(sourceModels, prefixes).map((draft) => catalogModel(draft, supplement));
  for (const entry of supplement.models) models = supplemented(models, entry, supplement);
  return {
    version,
    source: {
      package: SOURCE_PACKAGE,
      version: sourceVersion,
      supplement: 'schemas/price-catalog/supplement.json',
    },
    unit: 'pico-dollars per token (1 USD = 1e12)',
    regions: supplement.regions.uplift_basis_points,
    model_uplifts: supplement.regions.model_uplifts.map((u) => ({ models: u.models, regions: u.regions })),
    geographic_prefixes: prefixes,
    models: models.sort((a, b) => a.id.localeCompare(b.id)),
  };
};

export const readSupplement = (): Supplement =>
  JSON.parse(readFileSync(SUPPLEMENT_PATH, 'utf8')) as Supplement;

export const installedSource = (): { models: ModelInfo[]; version: string } => {
  const provider = findProvider({ providerId: 'aws' });
  if (provider === undefined) throw new PriceCatalogError(`${SOURCE_PACKAGE} has no aws provider`);
  const manifest = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', SOURCE_PACKAGE, 'package.json'), 'utf8'),
  ) as { version: string };
  return { models: provider.models, version: manifest.version };
};

/** What the committed catalog should hold now; its version moves only when the content does. */
export const currentCatalog = (committed: PriceCatalog | undefined, today: string): PriceCatalog => {
  const source = installedSource();
  const fresh = buildCatalog(source.models, source.version, readSupplement(), committed?.version ?? today);
  const sameContent = committed !== undefined && JSON.stringify(fresh) === JSON.stringify(committed);
  return sameContent ? fresh : { ...fresh, version: today };
};

/** The committed catalog as the runtime reads it. */
export const committedCatalog = (): PriceCatalog | undefined => {
  try {
    return decodeCatalog(JSON.parse(readFileSync(CATALOG_PATH, 'utf8')) as CatalogFile);
  } catch {
    return undefined;
  }
};

/** One model per line: compact for the bundle, still diffable by model. */
export const catalogFileText = (catalog: PriceCatalog): string => {
  const { models, ...head } = encodeCatalog(catalog);
  const header = JSON.stringify(head, null, 1).replace(/\n}$/, '');
  return `${header},\n "models": [\n${models.map((m) => `  ${JSON.stringify(m)}`).join(',\n')}\n ]\n}\n`;
};

const main = () => {
  const catalog = currentCatalog(committedCatalog(), new Date().toISOString().slice(0, 10));
  writeFileSync(CATALOG_PATH, catalogFileText(catalog));
  console.log(`price catalog ${catalog.version}: ${catalog.models.length} models -> ${CATALOG_PATH}`);
};

if (process.argv[1] === fileURLToPath(import.meta.url)) main();
