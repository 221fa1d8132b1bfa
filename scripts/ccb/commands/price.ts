import type { Command } from 'commander';
import {
  type CatalogModel,
  COMPONENTS,
  type Component,
  PICO_PER_USD,
} from '../../../functions/core/pricing/catalog';
import type { PriceQuote, PriceTable } from '../../../functions/core/pricing/price-table';
import { priceTableFromEnvironment } from '../../../functions/shared/pricing';
import { renderTable } from '../../lib/table';

export class PriceRequestError extends Error {
  override name = 'PriceRequestError';
}

interface PriceOptions {
  model: string;
  region: string;
  input: string;
  output: string;
  cacheRead: string;
  cacheWrite: string;
  cacheWrite1h: string;
  at?: string;
  json?: boolean;
}

const tokens = (name: string, text: string): number => {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new PriceRequestError(`--${name}: a whole number of tokens >= 0, got "${text}"`);
  return value;
};

const instant = (text: string | undefined, now: () => number): number => {
  if (text === undefined) return now();
  const at = Date.parse(text);
  if (Number.isNaN(at)) throw new PriceRequestError(`--at: an ISO-8601 time, got "${text}"`);
  return at;
};

const perMillion = (picoPerToken: number): number => (picoPerToken * 1_000_000) / PICO_PER_USD;

/** The `ccb price --json` contract: what the aggregate would count for this one call. */
export const priceJson = (quote: PriceQuote, table: PriceTable) => ({
  cost_usd: quote.costNano / 1e9,
  estimated: quote.estimated,
  model: quote.model,
  price_table: table.version,
  components: Object.fromEntries(
    COMPONENTS.map((c) => {
      const part = quote.components[c];
      return [
        c,
        {
          tokens: part.tokens,
          usd_per_million_tokens: perMillion(part.picoPerToken),
          cost_usd: part.costPico / PICO_PER_USD,
          ...(quote.derived.includes(c) && { derived: true }),
        },
      ];
    }),
  ),
});

/** Prices one call with the aggregate's own rule. */
export const priceCall = (
  table: PriceTable,
  options: PriceOptions,
  now: () => number = Date.now,
): PriceQuote =>
  table.quote(
    options.model,
    options.region,
    {
      inputTokens: tokens('input', options.input),
      outputTokens: tokens('output', options.output),
      cacheReadTokens: tokens('cache-read', options.cacheRead),
      cacheWriteTokens: tokens('cache-write', options.cacheWrite),
      cacheWrite1hTokens: tokens('cache-write-1h', options.cacheWrite1h),
    },
    instant(options.at, now),
  );

const renderQuote = (quote: PriceQuote, table: PriceTable): string => {
  const rows = COMPONENTS.map((c: Component) => {
    const part = quote.components[c];
    return [
      c,
      part.tokens,
      perMillion(part.picoPerToken).toFixed(6),
      (part.costPico / PICO_PER_USD).toFixed(9),
    ];
  });
  const why = quote.estimated ? ` ESTIMATED (${quote.reason}: counted at a ceiling, never lower)` : '';
  return [
    `${quote.model} (${quote.form}, ${quote.region}, price catalog ${table.version}${quote.periodFrom ? `, rates from ${quote.periodFrom}` : ''}${quote.tierAbovePromptTokens === null ? '' : `, long-context tier above ${quote.tierAbovePromptTokens} prompt tokens`})`,
    renderTable(['component', 'tokens', 'usd_per_million', 'cost_usd'], rows),
    `Cost: $${(quote.costNano / 1e9).toFixed(9)}${why}`,
  ].join('\n');
};

/** One catalog model's current rates, for `ccb prices`. */
const catalogRow = (model: CatalogModel) => {
  const period = model.periods.at(-1);
  const card = period?.regional;
  const global = period?.global;
  const rate = (c: Component) => (card ? perMillion(card.rates[c]) : 0);
  return {
    model: model.id,
    family: model.family,
    input: rate('input'),
    output: rate('output'),
    cache_read: rate('cache_read'),
    cache_write: rate('cache_write'),
    cache_write_1h: rate('cache_write_1h'),
    global_input: global ? perMillion(global.rates.input) : null,
    global_output: global ? perMillion(global.rates.output) : null,
    long_context_tiers: (card?.tiers ?? []).map((t) => t.above_prompt_tokens),
    periods: model.periods.map((p) => p.from),
    derived: model.derived,
  };
};

export const pricesJson = (table: PriceTable) => ({
  price_table: table.version,
  source: table.catalog.source,
  unit: 'USD per million tokens, regional (in-region and geographic profiles); global where AWS prices it apart',
  regions: table.catalog.regions,
  models: table.catalog.models.map(catalogRow),
});

export const registerPrice = (program: Command): void => {
  program
    .command('price')
    .description('what one Bedrock call costs, priced exactly as the aggregate counts it')
    .requiredOption('--model <id>', 'model id, inference profile id or Bedrock ARN')
    .option('--region <region>', 'the Bedrock region called', 'us-east-1')
    .option('--input <n>', 'uncached input tokens', '0')
    .option('--output <n>', 'output tokens', '0')
    .option('--cache-read <n>', 'prompt-cache read tokens', '0')
    .option('--cache-write <n>', 'prompt-cache write tokens, 5-minute', '0')
    .option('--cache-write-1h <n>', 'prompt-cache write tokens, 1-hour', '0')
    .option('--at <iso-time>', 'when the call was made (prices change by date); default now')
    .option('--json', 'machine-readable output')
    .action((options: PriceOptions) => {
      const table = priceTableFromEnvironment();
      const quote = priceCall(table, options);
      console.log(
        options.json ? JSON.stringify(priceJson(quote, table), null, 2) : renderQuote(quote, table),
      );
    });

  program
    .command('prices')
    .description('the Bedrock price catalog: models, rates, tiers, its version and source')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      const table = priceTableFromEnvironment();
      const catalog = pricesJson(table);
      if (options.json) {
        console.log(JSON.stringify(catalog, null, 2));
        return;
      }
      console.log(
        `Price catalog ${catalog.price_table}, from ${catalog.source.package} ${catalog.source.version} and ${catalog.source.supplement} (${catalog.models.length} models; USD per million tokens, regional rate, global where different)`,
      );
      console.log(
        renderTable(
          [
            'model',
            'input',
            'output',
            'cache_read',
            'cache_write',
            'cache_write_1h',
            'global in/out',
            'notes',
          ],
          catalog.models.map((m) => [
            m.model,
            m.input,
            m.output,
            m.cache_read,
            m.cache_write,
            m.cache_write_1h,
            m.global_input === null ? '' : `${m.global_input}/${m.global_output}`,
            [
              m.long_context_tiers.length > 0 ? `tier >${m.long_context_tiers.join(',')}` : '',
              m.periods.length > 1 ? `dated ${m.periods.filter((p) => p !== null).join(',')}` : '',
              m.derived.length > 0 ? `derived ${m.derived.join(',')}` : '',
            ]
              .filter(Boolean)
              .join('; '),
          ]),
        ),
      );
    });
};
