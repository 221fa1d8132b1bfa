import { join } from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { sqlFromDisk } from '../../../../functions/adapters/warehouse/sql-catalog';
import { readQueryFiles } from '../../../../scripts/build/warehouse-sql';
import { projectRoot } from '../../../../scripts/local/paths';
import { PgliteWarehouse } from '../../../../scripts/local/warehouse/pglite-warehouse';
import {
  baselineHistory,
  DAY,
  HAIKU,
  openTestWarehouse,
  reportDay,
  SONNET,
} from '../../../helpers/warehouse-fixtures';

const ON_DAY = { day: DAY };

/**
 * Every query file and what it returns on the fixtures (tests/helpers/warehouse-fixtures.ts), worked out
 * by hand. A query file without an entry here fails the first test.
 */
const EXPECTED: Record<
  string,
  { parameters: Record<string, string | number>; rows: Record<string, unknown>[] }
> = {
  // e1..e6 on DAY; e4's duplicate and e7 (next day) do not count.
  'reports/daily-total': {
    parameters: ON_DAY,
    rows: [{ events: 6, cost_nano: 27_800_000, estimated_cost_nano: 0 }],
  },
  'reports/spend-by-intent': {
    parameters: ON_DAY,
    rows: [
      {
        intent: 'recommendation',
        events: 2,
        cost_nano: 17_550_000,
        estimated_cost_nano: 0,
        input_tokens: 1_800,
        output_tokens: 700,
        cache_read_tokens: 500,
        cache_write_tokens: 400,
        cache_hits: 0,
      },
      {
        intent: 'product_question',
        events: 1,
        cost_nano: 8_250_000,
        estimated_cost_nano: 0,
        input_tokens: 2_000,
        output_tokens: 100,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cache_hits: 0,
      },
      {
        intent: 'faq',
        events: 3,
        cost_nano: 2_000_000,
        estimated_cost_nano: 0,
        input_tokens: 6_500,
        output_tokens: 300,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cache_hits: 1,
      },
    ],
  },
  'reports/spend-by-model': {
    parameters: ON_DAY,
    rows: [
      {
        model_id: SONNET,
        events: 3,
        cost_nano: 25_800_000,
        estimated_cost_nano: 0,
        input_tokens: 3_800,
        output_tokens: 800,
        cache_read_tokens: 500,
        cache_write_tokens: 400,
        cache_hits: 0,
      },
      {
        model_id: HAIKU,
        events: 3,
        cost_nano: 2_000_000,
        estimated_cost_nano: 0,
        input_tokens: 6_500,
        output_tokens: 300,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        cache_hits: 1,
      },
    ],
  },
  'reports/response-cache-by-intent': {
    parameters: ON_DAY,
    rows: [
      { intent: 'faq', hits: 1, misses: 2, hit_cost_nano: 0, miss_cost_nano: 2_000_000 },
      { intent: 'product_question', hits: 0, misses: 1, hit_cost_nano: 0, miss_cost_nano: 8_250_000 },
      { intent: 'recommendation', hits: 0, misses: 2, hit_cost_nano: 0, miss_cost_nano: 17_550_000 },
    ],
  },
  'reports/prompt-cache-by-model': {
    parameters: ON_DAY,
    rows: [
      {
        model_id: SONNET,
        region: 'us-east-1',
        calls_reading_cache: 1,
        cache_read_tokens: 500,
        cache_write_tokens: 400,
        cache_write_1h_tokens: 0,
      },
    ],
  },
  // Prompt = input + cache read + cache write. faq: (500 + 6000) / (200 + 100) = 21.7, e5 alone 60:1;
  // product_question 2000 / 100 = 20; recommendation (1500 + 1200) / (400 + 300) = 3.9.
  'reports/token-ratio-by-intent': {
    parameters: { ...ON_DAY, max_ratio: 10 },
    rows: [
      {
        intent: 'faq',
        model_calls: 2,
        input_tokens: 6_500,
        prompt_tokens: 6_500,
        output_tokens: 300,
        wasteful_calls: 1,
        wasteful: true,
      },
      {
        intent: 'product_question',
        model_calls: 1,
        input_tokens: 2_000,
        prompt_tokens: 2_000,
        output_tokens: 100,
        wasteful_calls: 1,
        wasteful: true,
      },
      {
        intent: 'recommendation',
        model_calls: 2,
        input_tokens: 1_800,
        prompt_tokens: 2_700,
        output_tokens: 700,
        wasteful_calls: 0,
        wasteful: false,
      },
    ],
  },
  // s4's next-day event does not count; s2 is e3 + e4 once.
  'reports/top-sessions': {
    parameters: { ...ON_DAY, limit: 3 },
    rows: [
      {
        cost_rank: 1,
        session_id: 's1',
        events: 2,
        cost_nano: 17_550_000,
        intents: 1,
        first_event_at: `${DAY}T14:05:00.000Z`,
        last_event_at: `${DAY}T14:20:00.000Z`,
      },
      {
        cost_rank: 2,
        session_id: 's4',
        events: 1,
        cost_nano: 8_250_000,
        intents: 1,
        first_event_at: `${DAY}T23:59:59.999Z`,
        last_event_at: `${DAY}T23:59:59.999Z`,
      },
      {
        cost_rank: 3,
        session_id: 's3',
        events: 1,
        cost_nano: 1_625_000,
        intents: 1,
        first_event_at: `${DAY}T09:30:00.000Z`,
        last_event_at: `${DAY}T09:30:00.000Z`,
      },
    ],
  },
  // 7 days before DAY: DAY-1 (b1, delivered twice, once counted) and DAY-3; 28 days: also DAY-10.
  // DAY itself and DAY-29 are outside.
  'baselines/same-hour-spend': {
    parameters: ON_DAY,
    rows: [
      { hour: 2, cost_7d_nano: 1_000_000, days_7d: 2, cost_28d_nano: 1_000_000, days_28d: 3 },
      { hour: 14, cost_7d_nano: 12_000_000, days_7d: 2, cost_28d_nano: 24_000_000, days_28d: 3 },
    ],
  },
};

describe('the warehouse queries on PGlite, against fixtures', () => {
  let db: PGlite;
  let warehouse: PgliteWarehouse;

  beforeAll(async () => {
    db = await openTestWarehouse([...reportDay(), ...baselineHistory()]);
    warehouse = new PgliteWarehouse(db, sqlFromDisk(join(projectRoot, 'warehouse/sql')));
  }, 60_000);

  afterAll(async () => {
    await db.close();
  });

  it('cover every query file under warehouse/sql/reports and baselines', () => {
    expect(Object.keys(readQueryFiles()).sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s returns the worked-out rows', async (name, { parameters, rows }) => {
    // Act
    const found = await warehouse.query(name, parameters);

    // Assess
    expect(found).toEqual(rows);
  });

  it('count a row delivered twice once: the duplicate is in the table, not in the view', async () => {
    const raw = await db.query<{ copies: number }>(
      "SELECT CAST(COUNT(*) AS INTEGER) AS copies FROM cost_events WHERE event_id = 'e4'",
    );
    const unique = await db.query<{ copies: number }>(
      "SELECT CAST(COUNT(*) AS INTEGER) AS copies FROM cost_events_unique WHERE event_id = 'e4'",
    );

    expect([raw.rows[0]?.copies, unique.rows[0]?.copies]).toEqual([2, 1]);
  });

  it('return no rows, or zeros for the total, on a day without events', async () => {
    expect(await warehouse.query('reports/daily-total', { day: '2025-01-01' })).toEqual([
      { events: 0, cost_nano: 0, estimated_cost_nano: 0 },
    ]);
    expect(await warehouse.query('reports/spend-by-intent', { day: '2025-01-01' })).toEqual([]);
  });
});
