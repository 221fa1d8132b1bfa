import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bundledSql } from '../../../functions/adapters/warehouse/sql-catalog';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import { PgliteWarehouse } from '../../../scripts/local/warehouse/pglite-warehouse';
import {
  createReports,
  promptCacheRow,
  type Reports,
  responseCacheRow,
} from '../../../scripts/reports/finops-reports';
import { DAY, openTestWarehouse, reportDay, SONNET } from '../../helpers/warehouse-fixtures';

describe('the reports', () => {
  let db: PGlite;
  let reports: Reports;

  beforeAll(async () => {
    db = await openTestWarehouse(reportDay());
    reports = createReports({ warehouse: new PgliteWarehouse(db, bundledSql), prices: DEFAULT_PRICE_TABLE });
  }, 60_000);

  afterAll(async () => {
    await db.close();
  });

  it('total the day in integer nano-dollars', async () => {
    expect(await reports.total(DAY)).toEqual({ events: 6, total_nano: 27_800_000, estimated_nano: 0 });
  });

  it('price what the caches saved: response-cache hits at the intent average uncached call, prompt-cache reads at the input price', async () => {
    // Act
    const cache = await reports.cache(DAY);

    // Assess: faq's one hit would have cost its 2 misses' average, 2,000,000 / 2; Sonnet's 500 read
    // tokens saved 500 x (3000 - 300) and its 400 written tokens cost 400 x (3750 - 3000) more.
    expect(cache).toMatchObject({
      hits: 1,
      events: 6,
      hit_rate: 0.1667,
      response_cache_savings_nano: 1_000_000,
      prompt_cache_read_savings_nano: 1_350_000,
      prompt_cache_write_premium_nano: 300_000,
      net_savings_nano: 2_050_000,
    });
    expect(cache.response_cache.find((r) => r.intent === 'faq')).toEqual({
      intent: 'faq',
      hits: 1,
      misses: 2,
      hit_rate: 0.3333,
      hit_cost_nano: 0,
      miss_cost_nano: 2_000_000,
      savings_nano: 1_000_000,
    });
  });

  it('flag the intents whose prompt tokens pass 10x their output as wasteful, with the ratio', async () => {
    const ratios = await reports.tokenRatio(DAY);

    expect(ratios.map(({ intent, ratio, wasteful }) => ({ intent, ratio, wasteful }))).toEqual([
      { intent: 'faq', ratio: 21.67, wasteful: true },
      { intent: 'product_question', ratio: 20, wasteful: true },
      { intent: 'recommendation', ratio: 3.86, wasteful: false },
    ]);
    expect((await reports.tokenRatio(DAY, 25)).filter((r) => r.wasteful)).toEqual([]);
  });

  it('rank the top sessions by cost, as many as asked', async () => {
    const sessions = await reports.topSessions(DAY, 2);

    expect(sessions.map(({ rank, session_id, cost_nano }) => ({ rank, session_id, cost_nano }))).toEqual([
      { rank: 1, session_id: 's1', cost_nano: 17_550_000 },
      { rank: 2, session_id: 's4', cost_nano: 8_250_000 },
    ]);
  });

  it('put the daily report together, its breakdowns adding up to its total', async () => {
    const report = await reports.daily(DAY, { sessions: 10 });

    expect(report.total_nano).toBe(27_800_000);
    expect(report.by_intent.reduce((sum, r) => sum + r.cost_nano, 0)).toBe(report.total_nano);
    expect(report.by_model.reduce((sum, r) => sum + r.cost_nano, 0)).toBe(report.total_nano);
    expect(report.top_sessions.reduce((sum, r) => sum + r.cost_nano, 0)).toBe(report.total_nano);
    expect(report.wasteful_ratio).toBe(10);
  });

  it('refuse a day that is not a UTC day, and limits and ratios that are not whole numbers', async () => {
    await expect(reports.total('2025-3-15')).rejects.toThrow(RangeError);
    await expect(reports.topSessions(DAY, 0)).rejects.toThrow(RangeError);
    await expect(reports.tokenRatio(DAY, 2.5)).rejects.toThrow(RangeError);
  });
});

describe('cache savings arithmetic', () => {
  it('stays exact where hits x cost pass 2^53', () => {
    const row = responseCacheRow({
      intent: 'faq',
      hits: 3_000_001,
      misses: 7_000_000,
      hit_cost_nano: 1,
      miss_cost_nano: 9_000_000_000_001,
    });

    // 3,000,001 x 9,000,000,000,001 / 7,000,000 = 3,857,144,142,857.57 -> rounded half up, minus 1.
    expect(row.savings_nano).toBe(3_857_144_142_857);
  });

  it('has no savings figure for an intent that was never called uncached', () => {
    expect(
      responseCacheRow({ intent: 'faq', hits: 5, misses: 0, hit_cost_nano: 0, miss_cost_nano: 0 })
        .savings_nano,
    ).toBeNull();
  });

  it('applies the region multiplier to prompt-cache savings, as to the events', () => {
    const row = promptCacheRow(
      {
        model_id: SONNET,
        region: 'ap-northeast-1',
        calls_reading_cache: 1,
        cache_read_tokens: 1_000,
        cache_write_tokens: 0,
        cache_write_1h_tokens: 100,
      },
      DEFAULT_PRICE_TABLE,
      Date.parse('2025-03-15T00:00:00.000Z'),
    );

    // 1000 x 3000 x 1.1 - 1000 x 300 x 1.1; 100 x 6000 x 1.1 - 100 x 3000 x 1.1.
    expect([row.read_savings_nano, row.write_premium_nano]).toEqual([2_970_000, 330_000]);
  });
});
