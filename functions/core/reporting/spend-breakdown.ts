import { nanoToUsd } from '../money';

/** An hourly spend item as stored, reduced to what reports read. */
export interface HourlySpendRow {
  day: string;
  hour: number;
  intent: string;
  model_id: string;
  component: string;
  language: string;
  events: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  /** Both cache-write tiers; rows written before it was read may lack it. */
  cache_write_tokens?: number;
  cost_nano: number;
  cache_hits: number;
  /** Absent on items that never counted an estimated event. */
  estimated_cost_nano?: number;
  estimated_events?: number;
}

export const BREAKDOWN_DIMENSIONS = ['intent', 'model', 'hour', 'component', 'language'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

export interface BreakdownRow {
  key: string | number;
  cost_nano: number;
  /** The part of cost_nano priced at a ceiling (unknown model or region). */
  estimated_cost_nano: number;
  events: number;
  input_tokens: number;
  output_tokens: number;
}

export interface SpendBreakdown {
  day: string;
  total_nano: number;
  estimated_nano: number;
  events: number;
  rows: BreakdownRow[];
}

const keyOf = (row: HourlySpendRow, by: BreakdownDimension): string | number =>
  by === 'model' ? row.model_id : row[by];

/**
 * Groups a day's hourly items by one dimension. Hours are listed in order; every other dimension by
 * cost, highest first, so the biggest spender leads.
 */
export const breakDownSpend = (
  day: string,
  rows: readonly HourlySpendRow[],
  by: BreakdownDimension,
): SpendBreakdown => {
  const groups = new Map<string | number, BreakdownRow>();
  let total = 0;
  let estimated = 0;
  let events = 0;
  for (const row of rows) {
    const key = keyOf(row, by);
    let group = groups.get(key);
    if (group === undefined) {
      group = { key, cost_nano: 0, estimated_cost_nano: 0, events: 0, input_tokens: 0, output_tokens: 0 };
      groups.set(key, group);
    }
    const rowEstimate = Number(row.estimated_cost_nano ?? 0);
    group.cost_nano += row.cost_nano;
    group.estimated_cost_nano += rowEstimate;
    estimated += rowEstimate;
    group.events += row.events;
    group.input_tokens += row.input_tokens;
    group.output_tokens += row.output_tokens;
    total += row.cost_nano;
    events += row.events;
  }
  const sorted = [...groups.values()].sort((a, b) =>
    by === 'hour'
      ? Number(a.key) - Number(b.key)
      : b.cost_nano - a.cost_nano || String(a.key).localeCompare(String(b.key)),
  );
  return { day, total_nano: total, estimated_nano: estimated, events, rows: sorted };
};

/** The `ccb spend --json` contract: dollars as numbers, the grouping key under its own name. */
export const toSpendJson = (breakdown: SpendBreakdown, by: BreakdownDimension) => ({
  day: breakdown.day,
  total_usd: nanoToUsd(breakdown.total_nano),
  estimated_usd: nanoToUsd(breakdown.estimated_nano),
  events: breakdown.events,
  rows: breakdown.rows.map((row) => ({
    [by]: row.key,
    cost_usd: nanoToUsd(row.cost_nano),
    estimated_cost_usd: nanoToUsd(row.estimated_cost_nano),
    events: row.events,
    input_tokens: row.input_tokens,
    output_tokens: row.output_tokens,
  })),
});
