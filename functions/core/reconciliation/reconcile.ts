import { canonicalModelId, type PriceTable, priceUsage } from '../pricing/price-table';

/** The token classes compared. Cache classes only where the provider publishes them. */
export const TOKEN_CLASSES = ['input', 'output', 'cacheRead', 'cacheWrite'] as const;
export type TokenClass = (typeof TOKEN_CLASSES)[number];
export type Tokens = Record<TokenClass, number>;

/** AWS/Bedrock's metric for each class (the cache ones are published for models with prompt caching). */
export const PROVIDER_METRICS: Readonly<Record<TokenClass, string>> = {
  input: 'InputTokenCount',
  output: 'OutputTokenCount',
  cacheRead: 'CacheReadInputTokenCount',
  cacheWrite: 'CacheWriteInputTokenCount',
};

/** What was counted in one UTC hour for one base model. */
export interface CountedHour {
  hour: number;
  model: string;
  tokens: Tokens;
}

/** One provider datapoint: an hour's sum of one metric for one ModelId (model id, profile id or ARN). */
export interface ProviderDatum {
  hour: number;
  modelId: string;
  tokenClass: TokenClass;
  value: number;
}

export interface ReconcileConfig {
  /** A class drifts when |provider - counted| > share x provider. Default 0.05. */
  driftShare: number;
  /** ...and the difference is at least this many tokens, so a handful never alarms. Default 10,000. */
  minDriftTokens: number;
  /** The region dark spend is priced in (the stage's: AWS/Bedrock metrics are per region). */
  region: string;
}

export const DEFAULT_RECONCILE_CONFIG: Omit<ReconcileConfig, 'region'> = {
  driftShare: 0.05,
  minDriftTokens: 10_000,
};

export type ReconcileStatus = 'ok' | 'drift' | 'no_provider_data';

/** One row of `ccb reconcile --json`, field names as the issue fixes them. */
export interface ReconcileRow {
  hour: number;
  model: string;
  counted_input_tokens: number;
  provider_input_tokens: number;
  counted_output_tokens: number;
  provider_output_tokens: number;
  drift_pct: number;
  status: ReconcileStatus;
}

export interface ReconcileReport {
  day: string;
  rows: ReconcileRow[];
}

/** A drifting model-hour, with what the alert and the ledger say about it. */
export interface Drift {
  hour: number;
  model: string;
  /** Provider higher: calls nobody reported. Lower: double reporting or a producer bug. */
  direction: 'dark_spend' | 'double_reporting';
  counted: Tokens;
  provider: Partial<Tokens>;
  /** Signed provider - counted, per class the provider published. */
  difference: Partial<Tokens>;
  drift_pct: number;
  /** The provider's tokens above the count, priced; null when the model has no price. */
  dark_spend_nano: number | null;
}

const zero = (): Tokens => ({ input: 0, output: 0, cacheRead: 0, cacheWrite: 0 });
const keyOf = (hour: number, model: string) => `${hour}|${model}`;

/** Provider datapoints summed per hour and base model: a profile's traffic is its base model's. */
export const providerByModelHour = (data: readonly ProviderDatum[]): Map<string, Partial<Tokens>> => {
  const sums = new Map<string, Partial<Tokens>>();
  for (const d of data) {
    const key = keyOf(d.hour, canonicalModelId(d.modelId));
    const tokens = sums.get(key) ?? {};
    tokens[d.tokenClass] = (tokens[d.tokenClass] ?? 0) + d.value;
    sums.set(key, tokens);
  }
  return sums;
};

// Signed percentage of the provider's figure, two decimals; all of it when the provider saw none.
const percent = (provider: number, counted: number): number =>
  provider === 0 ? (counted === 0 ? 0 : -100) : Math.round(((provider - counted) / provider) * 10_000) / 100;

/** What the tokens the provider metered above our count cost, at the rates of their hour. */
const priceOf = (
  model: string,
  above: Tokens,
  config: ReconcileConfig,
  prices: PriceTable,
  atMs: number,
): number | null => {
  const priced = priceUsage(
    model,
    config.region,
    {
      inputTokens: above.input,
      outputTokens: above.output,
      cacheReadTokens: above.cacheRead,
      cacheWriteTokens: 0,
      // The metric does not split cache writes by TTL: the dearer rate, as for unsplit log counts.
      cacheWrite1hTokens: above.cacheWrite,
    },
    prices,
    atMs,
  );
  return priced.costNano;
};

const judge = (
  day: string,
  hour: number,
  model: string,
  counted: Tokens,
  provider: Partial<Tokens>,
  config: ReconcileConfig,
  prices: PriceTable,
): { row: ReconcileRow; drift?: Drift } => {
  const difference: Partial<Tokens> = {};
  const above = zero();
  let worst: { tokens: number; pct: number } = { tokens: 0, pct: 0 };
  let drifts = false;
  for (const tokenClass of TOKEN_CLASSES) {
    const published = provider[tokenClass];
    if (published === undefined) continue;
    const diff = published - counted[tokenClass];
    difference[tokenClass] = diff;
    above[tokenClass] = Math.max(0, diff);
    if (Math.abs(diff) > config.driftShare * published && Math.abs(diff) >= config.minDriftTokens)
      drifts = true;
    if (Math.abs(diff) > Math.abs(worst.tokens))
      worst = { tokens: diff, pct: percent(published, counted[tokenClass]) };
  }
  const row: ReconcileRow = {
    hour,
    model,
    counted_input_tokens: counted.input,
    provider_input_tokens: provider.input ?? 0,
    counted_output_tokens: counted.output,
    provider_output_tokens: provider.output ?? 0,
    drift_pct: worst.pct,
    status: drifts ? 'drift' : 'ok',
  };
  if (!drifts) return { row };
  return {
    row,
    drift: {
      hour,
      model,
      direction: worst.tokens > 0 ? 'dark_spend' : 'double_reporting',
      counted,
      provider,
      difference,
      drift_pct: worst.pct,
      dark_spend_nano: priceOf(
        model,
        above,
        config,
        prices,
        Date.parse(`${day}T00:00:00.000Z`) + hour * 3_600_000,
      ),
    },
  };
};

/**
 * Compares, per UTC hour and base model, what was counted with what the provider metered. Every
 * model-hour either side knows gets a row, ordered by hour then model: `no_provider_data` when the
 * provider published nothing for it (its metrics lag, or the model is not on Bedrock), `drift` when a
 * class differs by more than the share of the provider's figure and by at least the minimum size, in
 * either direction. `drift_pct` is the signed share (provider higher is positive) of the class with the
 * largest difference in tokens. Pure.
 */
export const reconcileDay = (
  day: string,
  counted: readonly CountedHour[],
  provider: readonly ProviderDatum[],
  config: ReconcileConfig,
  prices: PriceTable,
): { report: ReconcileReport; drifts: Drift[] } => {
  const countedBy = new Map<string, CountedHour>();
  for (const c of counted) {
    const key = keyOf(c.hour, c.model);
    const sum = countedBy.get(key) ?? { hour: c.hour, model: c.model, tokens: zero() };
    for (const tokenClass of TOKEN_CLASSES) sum.tokens[tokenClass] += c.tokens[tokenClass];
    countedBy.set(key, sum);
  }
  const providerBy = providerByModelHour(provider);
  const keys = new Set([...countedBy.keys(), ...providerBy.keys()]);
  const ordered = [...keys]
    .map((key) => {
      const bar = key.indexOf('|');
      return { key, hour: Number(key.slice(0, bar)), model: key.slice(bar + 1) };
    })
    .sort((a, b) => a.hour - b.hour || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0));
  const rows: ReconcileRow[] = [];
  const drifts: Drift[] = [];
  for (const { key, hour, model } of ordered) {
    const tokens = countedBy.get(key)?.tokens ?? zero();
    const published = providerBy.get(key);
    if (published === undefined) {
      rows.push({
        hour,
        model,
        counted_input_tokens: tokens.input,
        provider_input_tokens: 0,
        counted_output_tokens: tokens.output,
        provider_output_tokens: 0,
        drift_pct: 0,
        status: 'no_provider_data',
      });
      continue;
    }
    const judged = judge(day, hour, model, tokens, published, config, prices);
    rows.push(judged.row);
    if (judged.drift !== undefined) drifts.push(judged.drift);
  }
  return { report: { day, rows }, drifts };
};

const HOUR_MS = 3_600_000;

/**
 * The model-hours the hourly run checks at `now`: the latest hour that closed at least `graceMs` ago
 * (the provider's metrics and late deliveries settle), and the one before it, in case data for it was
 * still arriving at the last run. Each as its UTC day and hour.
 */
export const hoursToReconcile = (now: number, graceMs: number): { day: string; hour: number }[] => {
  const latestClosed = Math.floor((now - graceMs) / HOUR_MS) - 1;
  return [latestClosed - 1, latestClosed].map((index) => {
    const start = new Date(index * HOUR_MS);
    return { day: start.toISOString().slice(0, 10), hour: start.getUTCHours() };
  });
};
