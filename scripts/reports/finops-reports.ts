import type { Warehouse } from '../../functions/core/analytics/ports';
import { type PriceTable, priceUsage } from '../../functions/core/pricing/price-table';
import { startOfUtcDay } from '../../functions/core/time';

/** Seed 002: prompt tokens above 10x the output tokens call for a prompt review. */
export const WASTEFUL_RATIO = 10;

/** The warehouse queries behind the reports (warehouse/sql/reports/*.sql). */
export const REPORT_QUERIES = {
  total: 'reports/daily-total',
  byIntent: 'reports/spend-by-intent',
  byModel: 'reports/spend-by-model',
  responseCache: 'reports/response-cache-by-intent',
  promptCache: 'reports/prompt-cache-by-model',
  tokenRatio: 'reports/token-ratio-by-intent',
  topSessions: 'reports/top-sessions',
} as const;

// A type, not an interface: warehouse rows must be assignable to Record<string, unknown>.
export type SpendRow = {
  events: number;
  cost_nano: number;
  /** The part of cost_nano priced at a ceiling (unknown model or region). */
  estimated_cost_nano: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_hits: number;
};
export type IntentSpend = SpendRow & { intent: string };
export type ModelSpend = SpendRow & { model_id: string };

export interface ResponseCacheRow {
  intent: string;
  hits: number;
  misses: number;
  /** hits / (hits + misses); 0 with no events. */
  hit_rate: number;
  hit_cost_nano: number;
  miss_cost_nano: number;
  /** What the hits would have cost at the intent's average uncached call, minus what they cost; null with no misses to price from. */
  savings_nano: number | null;
}

export interface PromptCacheRow {
  model_id: string;
  region: string;
  calls_reading_cache: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  /** The read tokens at the full input price, minus what they cost at the cache-read price. */
  read_savings_nano: number;
  /** What the cache writes cost above the same tokens at the input price. */
  write_premium_nano: number;
}

export interface CacheReport {
  response_cache: ResponseCacheRow[];
  prompt_cache: PromptCacheRow[];
  hits: number;
  events: number;
  hit_rate: number;
  response_cache_savings_nano: number;
  prompt_cache_read_savings_nano: number;
  prompt_cache_write_premium_nano: number;
  /** Response-cache savings plus prompt-cache read savings minus the write premium. */
  net_savings_nano: number;
}

export interface TokenRatioRow {
  intent: string;
  model_calls: number;
  input_tokens: number;
  /** Input plus prompt-cache read and write tokens: everything sent to the model. */
  prompt_tokens: number;
  output_tokens: number;
  /** prompt_tokens / output_tokens, 2 decimals; null when there was no output at all. */
  ratio: number | null;
  wasteful_calls: number;
  /** The intent's prompt tokens exceed the wasteful ratio times its output tokens. */
  wasteful: boolean;
}

export interface SessionRow {
  rank: number;
  session_id: string;
  events: number;
  cost_nano: number;
  intents: number;
  first_event_at: string;
  last_event_at: string;
}

export interface DailyReport {
  day: string;
  events: number;
  total_nano: number;
  /** The part of total_nano priced at a ceiling, shown beside the exact spend. */
  estimated_nano: number;
  by_intent: IntentSpend[];
  by_model: ModelSpend[];
  cache: CacheReport;
  token_ratio: TokenRatioRow[];
  wasteful_ratio: number;
  top_sessions: SessionRow[];
}

// a x b / c rounded half up, exact for any sizes (a x b can pass 2^53).
const mulDiv = (a: number, b: number, c: number): number => {
  const product = BigInt(a) * BigInt(b);
  const divisor = BigInt(c);
  return Number((product * 2n + divisor) / (divisor * 2n));
};

const rate = (part: number, whole: number): number =>
  whole === 0 ? 0 : Math.round((part * 10_000) / whole) / 10_000;

/** One call's cost as the aggregate priced it: estimated rates for a model the catalog lacks. */
const priceAt = (
  modelId: string,
  region: string,
  usage: Parameters<typeof priceUsage>[2],
  prices: PriceTable,
  atMs: number,
): number => priceUsage(modelId, region, usage, prices, atMs).costNano;

const NO_TOKENS = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite1hTokens: 0,
};

/** Savings of the response cache per intent, from its hits, misses and their costs. */
export const responseCacheRow = (
  row: Omit<ResponseCacheRow, 'hit_rate' | 'savings_nano'>,
): ResponseCacheRow => ({
  ...row,
  hit_rate: rate(row.hits, row.hits + row.misses),
  savings_nano:
    row.misses === 0 ? null : mulDiv(row.hits, row.miss_cost_nano, row.misses) - row.hit_cost_nano,
});

/**
 * What the prompt cache saved and cost for one model and region, priced with the events' own price table
 * (priceUsage, region multiplier included) rather than prices copied into SQL: one pricing rule.
 */
export const promptCacheRow = (
  row: Omit<PromptCacheRow, 'read_savings_nano' | 'write_premium_nano'>,
  prices: PriceTable,
  atMs: number,
): PromptCacheRow => {
  const price = (usage: Partial<typeof NO_TOKENS>) =>
    priceAt(row.model_id, row.region, { ...NO_TOKENS, ...usage }, prices, atMs);
  const written = row.cache_write_tokens + row.cache_write_1h_tokens;
  return {
    ...row,
    read_savings_nano:
      price({ inputTokens: row.cache_read_tokens }) - price({ cacheReadTokens: row.cache_read_tokens }),
    write_premium_nano:
      price({ cacheWriteTokens: row.cache_write_tokens, cacheWrite1hTokens: row.cache_write_1h_tokens }) -
      price({ inputTokens: written }),
  };
};

export const tokenRatioRow = (row: Omit<TokenRatioRow, 'ratio'>): TokenRatioRow => ({
  ...row,
  ratio: row.output_tokens === 0 ? null : Math.round((row.prompt_tokens * 100) / row.output_tokens) / 100,
});

const sum = <T>(rows: readonly T[], value: (row: T) => number): number =>
  rows.reduce((total, row) => total + value(row), 0);

/**
 * The FinOps reports of one UTC day, from the warehouse: spend by intent and model, the caches and what
 * they saved, the prompt:output token ratio per intent, the most expensive sessions. Money stays integer
 * nano-dollars from the SQL sums to the output.
 */
export const createReports = (deps: { warehouse: Warehouse; prices: PriceTable }) => {
  const { warehouse, prices } = deps;
  const dayOnly = (day: string) => {
    startOfUtcDay(day);
    return { day };
  };

  const total = async (day: string) => {
    const [row] = await warehouse.query<{ events: number; cost_nano: number; estimated_cost_nano: number }>(
      REPORT_QUERIES.total,
      dayOnly(day),
    );
    return {
      events: row?.events ?? 0,
      total_nano: row?.cost_nano ?? 0,
      estimated_nano: row?.estimated_cost_nano ?? 0,
    };
  };

  const byIntent = (day: string) => warehouse.query<IntentSpend>(REPORT_QUERIES.byIntent, dayOnly(day));
  const byModel = (day: string) => warehouse.query<ModelSpend>(REPORT_QUERIES.byModel, dayOnly(day));

  const cache = async (day: string): Promise<CacheReport> => {
    const [responseRows, promptRows] = await Promise.all([
      warehouse.query<Omit<ResponseCacheRow, 'hit_rate' | 'savings_nano'>>(
        REPORT_QUERIES.responseCache,
        dayOnly(day),
      ),
      warehouse.query<Omit<PromptCacheRow, 'read_savings_nano' | 'write_premium_nano'>>(
        REPORT_QUERIES.promptCache,
        dayOnly(day),
      ),
    ]);
    const responseCache = responseRows.map(responseCacheRow);
    // The day's rates at its start: a price change takes effect at 00:00 UTC of its date.
    const dayStart = Date.parse(`${day}T00:00:00.000Z`);
    const promptCache = promptRows.map((row) => promptCacheRow(row, prices, dayStart));
    const hits = sum(responseCache, (r) => r.hits);
    const events = sum(responseCache, (r) => r.hits + r.misses);
    const responseSavings = sum(responseCache, (r) => r.savings_nano ?? 0);
    const readSavings = sum(promptCache, (r) => r.read_savings_nano);
    const writePremium = sum(promptCache, (r) => r.write_premium_nano);
    return {
      response_cache: responseCache,
      prompt_cache: promptCache,
      hits,
      events,
      hit_rate: rate(hits, events),
      response_cache_savings_nano: responseSavings,
      prompt_cache_read_savings_nano: readSavings,
      prompt_cache_write_premium_nano: writePremium,
      net_savings_nano: responseSavings + readSavings - writePremium,
    };
  };

  const tokenRatio = async (day: string, maxRatio = WASTEFUL_RATIO) => {
    if (!Number.isInteger(maxRatio) || maxRatio < 1)
      throw new RangeError(`the wasteful ratio must be a whole number >= 1, got ${maxRatio}`);
    const rows = await warehouse.query<Omit<TokenRatioRow, 'ratio'>>(REPORT_QUERIES.tokenRatio, {
      ...dayOnly(day),
      max_ratio: maxRatio,
    });
    return rows.map(tokenRatioRow);
  };

  const topSessions = async (day: string, limit: number): Promise<SessionRow[]> => {
    if (!Number.isInteger(limit) || limit < 1)
      throw new RangeError(`the session limit must be a whole number >= 1, got ${limit}`);
    const rows = await warehouse.query<Omit<SessionRow, 'rank'> & { cost_rank: number }>(
      REPORT_QUERIES.topSessions,
      {
        ...dayOnly(day),
        limit,
      },
    );
    return rows.map(({ cost_rank, ...row }) => ({ rank: cost_rank, ...row }));
  };

  return {
    total,
    byIntent,
    byModel,
    cache,
    tokenRatio,
    topSessions,
    /** Everything `ccb report daily` shows, its queries run side by side. */
    async daily(day: string, options: { sessions?: number; maxRatio?: number } = {}): Promise<DailyReport> {
      const maxRatio = options.maxRatio ?? WASTEFUL_RATIO;
      const [totals, intents, models, caches, ratios, sessions] = await Promise.all([
        total(day),
        byIntent(day),
        byModel(day),
        cache(day),
        tokenRatio(day, maxRatio),
        topSessions(day, options.sessions ?? 10),
      ]);
      return {
        day,
        ...totals,
        by_intent: intents,
        by_model: models,
        cache: caches,
        token_ratio: ratios,
        wasteful_ratio: maxRatio,
        top_sessions: sessions,
      };
    },
  };
};

export type Reports = ReturnType<typeof createReports>;

/** `report intents`: each intent's spend, response cache and token ratio on one row. */
export const intentRows = async (reports: Reports, day: string) => {
  const [spend, cache, ratios] = await Promise.all([
    reports.byIntent(day),
    reports.cache(day),
    reports.tokenRatio(day),
  ]);
  return spend.map((row: IntentSpend) => {
    const cached = cache.response_cache.find((c) => c.intent === row.intent);
    const ratio = ratios.find((r) => r.intent === row.intent);
    return {
      ...row,
      cache_hit_rate: cached?.hit_rate ?? 0,
      cache_savings_nano: cached?.savings_nano ?? null,
      prompt_tokens: ratio?.prompt_tokens ?? 0,
      ratio: ratio?.ratio ?? null,
      wasteful: ratio?.wasteful ?? false,
    };
  });
};
