import { type Command, InvalidArgumentError } from 'commander';
import type { Warehouse } from '../../../functions/core/analytics/ports';
import { formatUsd, nanoToUsd } from '../../../functions/core/money';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import { startOfUtcDay } from '../../../functions/core/time';
import { renderTable } from '../../lib/table';
import {
  createReports,
  type DailyReport,
  intentRows,
  type Reports,
  type SessionRow,
  type SpendRow,
  type TokenRatioRow,
  WASTEFUL_RATIO,
} from '../../reports/finops-reports';
import { openWarehouse } from '../../reports/stage-warehouse';

const usd = (nano: number, digits = 4) => `$${formatUsd(nano, digits)}`;
const pct = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const ratioText = (ratio: number | null) => (ratio === null ? 'no output' : `${ratio.toFixed(2)}:1`);

/** Every `<name>_nano` money field also as `<name>_usd` (a float, for JSON readers), recursively. */
export const withUsd = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withUsd);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) {
    out[key] = withUsd(field);
    if (key.endsWith('_nano') && typeof field === 'number') out[`${key.slice(0, -5)}_usd`] = nanoToUsd(field);
  }
  return out;
};

const csvCell = (value: unknown): string => {
  const text = value === null || value === undefined ? '' : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** Rows as CSV with a header; money in integer nano-dollars, as the warehouse sums it. */
export const toCsv = <T extends object>(rows: readonly T[], columns: readonly (keyof T & string)[]): string =>
  [columns, ...rows.map((row) => columns.map((c) => row[c]))].map((r) => r.map(csvCell).join(',')).join('\n');

const SPEND_COLUMNS: (keyof SpendRow & string)[] = [
  'events',
  'cost_nano',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_hits',
];
const RATIO_COLUMNS: (keyof TokenRatioRow & string)[] = [
  'intent',
  'model_calls',
  'input_tokens',
  'prompt_tokens',
  'output_tokens',
  'ratio',
  'wasteful_calls',
  'wasteful',
];
const SESSION_COLUMNS: (keyof SessionRow & string)[] = [
  'rank',
  'session_id',
  'events',
  'cost_nano',
  'intents',
  'first_event_at',
  'last_event_at',
];

const spendTable = (
  key: string,
  rows: readonly (Record<string, unknown> & { cost_nano: number; events: number })[],
  total: number,
) =>
  renderTable(
    [key, 'cost_usd', 'share', 'events', 'input_tokens', 'output_tokens', 'cache_hits'],
    rows.map((row) => [
      String(row[key]),
      formatUsd(row.cost_nano, 4),
      total === 0 ? '-' : `${((100 * row.cost_nano) / total).toFixed(1)}%`,
      row.events,
      Number(row.input_tokens),
      Number(row.output_tokens),
      Number(row.cache_hits),
    ]),
  );

export const renderRatios = (rows: readonly TokenRatioRow[], maxRatio: number): string => {
  const wasteful = rows.filter((r) => r.wasteful).map((r) => r.intent);
  return [
    `Prompt:output tokens by intent (prompt = input + prompt-cache read and write; wasteful above ${maxRatio}:1)`,
    renderTable(
      ['intent', 'model_calls', 'prompt_tokens', 'output_tokens', 'ratio', 'calls over', 'flag'],
      rows.map((r) => [
        r.intent,
        r.model_calls,
        r.prompt_tokens,
        r.output_tokens,
        ratioText(r.ratio),
        r.wasteful_calls,
        r.wasteful ? 'WASTEFUL' : '',
      ]),
    ),
    wasteful.length === 0
      ? 'No wasteful intent.'
      : `Wasteful: ${wasteful.join(', ')}; review their prompts (seed 002: bloated system prompt, over-retrieved context, unsummarised history).`,
  ].join('\n');
};

export const renderSessions = (rows: readonly SessionRow[]): string =>
  rows.length === 0
    ? 'No sessions.'
    : renderTable(
        ['rank', 'session', 'events', 'cost_usd', 'intents', 'first event', 'last event'],
        rows.map((r) => [
          r.rank,
          r.session_id,
          r.events,
          formatUsd(r.cost_nano, 4),
          r.intents,
          r.first_event_at,
          r.last_event_at,
        ]),
      );

/** The text of `ccb report daily`; its Total line reads like `ccb spend`'s. */
export const renderDaily = (report: DailyReport): string => {
  const { cache } = report;
  return [
    `Report for ${report.day}, from the warehouse`,
    `Total: ${usd(report.total_nano)} over ${report.events} events`,
    ...(report.estimated_nano > 0
      ? [
          `of which estimated: ${usd(report.estimated_nano)} (models or regions the price catalog does not know)`,
        ]
      : []),
    '',
    'Spend by intent',
    spendTable('intent', report.by_intent, report.total_nano),
    '',
    'Spend by model',
    spendTable('model_id', report.by_model, report.total_nano),
    '',
    `Response cache: ${cache.hits} hits of ${cache.events} events (${pct(cache.hit_rate)}), saved ${usd(cache.response_cache_savings_nano)} (each hit at its intent's average uncached call)`,
    `Prompt cache: reads saved ${usd(cache.prompt_cache_read_savings_nano)} against the full input price, writes cost ${usd(cache.prompt_cache_write_premium_nano)} more than input`,
    `Caches saved ${usd(cache.net_savings_nano)} in all`,
    renderTable(
      ['intent', 'hits', 'misses', 'hit_rate', 'saved_usd'],
      cache.response_cache.map((r) => [
        r.intent,
        r.hits,
        r.misses,
        pct(r.hit_rate),
        r.savings_nano === null ? '-' : formatUsd(r.savings_nano, 4),
      ]),
    ),
    '',
    renderRatios(report.token_ratio, report.wasteful_ratio),
    '',
    `Top ${report.top_sessions.length} sessions by cost`,
    renderSessions(report.top_sessions),
  ].join('\n');
};

/** `report daily --csv`: one CSV block per section, each after a `# <section>` line. */
export const dailyCsv = (report: DailyReport): string =>
  [
    `# total\n${toCsv([{ day: report.day, events: report.events, cost_nano: report.total_nano }], ['day', 'events', 'cost_nano'])}`,
    `# spend by intent\n${toCsv(report.by_intent, ['intent', ...SPEND_COLUMNS])}`,
    `# spend by model\n${toCsv(report.by_model, ['model_id', ...SPEND_COLUMNS])}`,
    `# response cache by intent\n${toCsv(report.cache.response_cache, ['intent', 'hits', 'misses', 'hit_rate', 'hit_cost_nano', 'miss_cost_nano', 'savings_nano'])}`,
    `# prompt cache by model\n${toCsv(report.cache.prompt_cache, ['model_id', 'region', 'calls_reading_cache', 'cache_read_tokens', 'cache_write_tokens', 'cache_write_1h_tokens', 'read_savings_nano', 'write_premium_nano'])}`,
    `# token ratio by intent\n${toCsv(report.token_ratio, RATIO_COLUMNS)}`,
    `# top sessions\n${toCsv(report.top_sessions, SESSION_COLUMNS)}`,
  ].join('\n\n');

type Format = 'text' | 'json' | 'csv';

interface ReportOptions {
  day: string;
  stage: string;
  json?: boolean;
  csv?: boolean;
  limit: number;
}

const parseLimit = (value: string): number => {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('a whole number of at least 1');
  return limit;
};

const formatOf = (options: ReportOptions): Format => {
  if (options.json && options.csv) throw new InvalidArgumentError('choose one of --json and --csv');
  return options.json ? 'json' : options.csv ? 'csv' : 'text';
};

/** What a report command prints in each format. */
export const renderReport = async (
  kind: 'daily' | 'intents' | 'waste' | 'sessions',
  reports: Reports,
  options: { day: string; limit: number; format: Format },
): Promise<string> => {
  const { day, limit, format } = options;
  startOfUtcDay(day);
  switch (kind) {
    case 'daily': {
      const report = await reports.daily(day, { sessions: limit });
      if (format === 'json') return JSON.stringify(withUsd(report), null, 2);
      return format === 'csv' ? dailyCsv(report) : renderDaily(report);
    }
    case 'intents': {
      const [rows, total] = await Promise.all([intentRows(reports, day), reports.total(day)]);
      if (format === 'json') return JSON.stringify(withUsd({ day, ...total, intents: rows }), null, 2);
      if (format === 'csv')
        return toCsv(rows, [
          'intent',
          ...SPEND_COLUMNS,
          'cache_hit_rate',
          'cache_savings_nano',
          'prompt_tokens',
          'ratio',
          'wasteful',
        ]);
      return [
        `Intents on ${day}, from the warehouse`,
        `Total: ${usd(total.total_nano)} over ${total.events} events`,
        renderTable(
          ['intent', 'cost_usd', 'events', 'cache_hit_rate', 'cache_saved_usd', 'prompt:output', 'flag'],
          rows.map((r) => [
            r.intent,
            formatUsd(r.cost_nano, 4),
            r.events,
            pct(r.cache_hit_rate),
            r.cache_savings_nano === null ? '-' : formatUsd(r.cache_savings_nano, 4),
            ratioText(r.ratio),
            r.wasteful ? 'WASTEFUL' : '',
          ]),
        ),
      ].join('\n');
    }
    case 'waste': {
      const rows = await reports.tokenRatio(day, WASTEFUL_RATIO);
      if (format === 'json')
        return JSON.stringify({ day, wasteful_ratio: WASTEFUL_RATIO, intents: rows }, null, 2);
      if (format === 'csv') return toCsv(rows, RATIO_COLUMNS);
      return `Token ratios on ${day}, from the warehouse\n${renderRatios(rows, WASTEFUL_RATIO)}`;
    }
    case 'sessions': {
      const rows = await reports.topSessions(day, limit);
      if (format === 'json') return JSON.stringify(withUsd({ day, sessions: rows }), null, 2);
      if (format === 'csv') return toCsv(rows, SESSION_COLUMNS);
      return `Top ${rows.length} sessions by cost on ${day}, from the warehouse\n${renderSessions(rows)}`;
    }
  }
};

const DESCRIPTIONS = {
  daily:
    'spend by intent and model, caches and their savings, token ratios with wasteful intents, top sessions',
  intents: "each intent's spend, cache hit rate and savings, and prompt:output token ratio",
  waste: `prompt:output token ratio per intent, flagging those above ${WASTEFUL_RATIO}:1 (seed 002)`,
  sessions: 'the most expensive sessions of the day',
} as const;

export const registerReport = (
  program: Command,
  open: (stage: string) => Promise<Warehouse> = openWarehouse,
): void => {
  // Made with program.command, not new Command, so the subcommands inherit the program's settings.
  const report = program
    .command('report')
    .description(
      'FinOps reports of one UTC day from the warehouse (PGlite locally, Redshift through the Data API with --stage)',
    );
  for (const kind of Object.keys(DESCRIPTIONS) as (keyof typeof DESCRIPTIONS)[]) {
    report
      .command(kind)
      .description(DESCRIPTIONS[kind])
      .requiredOption('--day <YYYY-MM-DD>', 'UTC day')
      .option('--stage <stage>', 'local, or a deployed stage', 'local')
      .option('--json', 'machine-readable output, money as integer nano-dollars and USD')
      .option('--csv', 'CSV, money as integer nano-dollars')
      .option('--limit <n>', 'how many sessions', parseLimit, 10)
      .action(async (options: ReportOptions) => {
        const reports = createReports({ warehouse: await open(options.stage), prices: DEFAULT_PRICE_TABLE });
        console.log(
          await renderReport(kind, reports, {
            day: options.day,
            limit: options.limit,
            format: formatOf(options),
          }),
        );
      });
  }
};
