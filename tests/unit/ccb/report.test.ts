import type { PGlite } from '@electric-sql/pglite';
import { afterAll, afterEach, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Command } from 'commander';
import { bundledSql } from '../../../functions/adapters/warehouse/sql-catalog';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import { registerReport, renderReport, withUsd } from '../../../scripts/ccb/commands/report';
import { PgliteWarehouse } from '../../../scripts/local/warehouse/pglite-warehouse';
import { createReports, type Reports } from '../../../scripts/reports/finops-reports';
import { DAY, openTestWarehouse, reportDay } from '../../helpers/warehouse-fixtures';

describe('ccb report', () => {
  let db: PGlite;
  let warehouse: PgliteWarehouse;
  let reports: Reports;

  beforeAll(async () => {
    db = await openTestWarehouse(reportDay());
    warehouse = new PgliteWarehouse(db, bundledSql);
    reports = createReports({ warehouse, prices: DEFAULT_PRICE_TABLE });
  }, 60_000);

  afterAll(async () => {
    await db.close();
  });

  afterEach(() => {
    jest.restoreAllMocks();
  });

  /** Runs `ccb report ...` on the fixtures' warehouse and returns what it printed, or the error. */
  const run = async (args: string[]) => {
    const printed: string[] = [];
    jest.spyOn(console, 'log').mockImplementation((text: unknown) => void printed.push(String(text)));
    const stages: string[] = [];
    const program = new Command('ccb').exitOverride().configureOutput({ writeErr: () => {} });
    registerReport(program, async (stage) => {
      stages.push(stage);
      return warehouse;
    });
    const error = await program.parseAsync(['node', 'ccb', 'report', ...args]).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    return { out: printed.join('\n'), error, stages };
  };

  it('daily prints the total as `ccb spend` does, the breakdowns, the caches, the ratios with wasteful intents flagged and the top sessions', async () => {
    const { out, stages } = await run(['daily', '--day', DAY]);

    expect(stages).toEqual(['local']);
    expect(out).toContain('Total: $0.0278 over 6 events');
    expect(out).toContain('Spend by intent');
    expect(out).toContain('Spend by model');
    expect(out).toContain('Response cache: 1 hits of 6 events (16.7%), saved $0.0010');
    expect(out).toContain('Caches saved $0.0020 in all');
    expect(out).toMatch(/faq\s+2\s+6500\s+300\s+21\.67:1\s+1\s+WASTEFUL/);
    expect(out).toContain('Wasteful: faq, product_question');
    expect(out).toMatch(/1\s+s1\s+2\s+0\.0175/);
  });

  it('daily --json gives the same numbers, integer nano-dollars with USD beside them', async () => {
    const { out } = await run(['daily', '--day', DAY, '--json', '--stage', 'dev']);
    const json = JSON.parse(out);

    expect(json).toMatchObject({ day: DAY, events: 6, total_nano: 27_800_000, total_usd: 0.0278 });
    expect(json.cache).toMatchObject({ net_savings_nano: 2_050_000, net_savings_usd: 0.00205 });
    expect(
      json.token_ratio
        .filter((r: { wasteful: boolean }) => r.wasteful)
        .map((r: { intent: string }) => r.intent),
    ).toEqual(['faq', 'product_question']);
  });

  it('daily --csv gives the same numbers, a block per section', async () => {
    const { out } = await run(['daily', '--day', DAY, '--csv']);

    expect(out.split('\n\n').map((block) => block.split('\n')[0])).toEqual([
      '# total',
      '# spend by intent',
      '# spend by model',
      '# response cache by intent',
      '# prompt cache by model',
      '# token ratio by intent',
      '# top sessions',
    ]);
    expect(out).toContain('day,events,cost_nano\n2025-03-15,6,27800000');
    expect(out).toContain('faq,2,6500,6500,300,21.67,1,true');
  });

  it('sessions --limit lists that many sessions; intents and waste have their own tables', async () => {
    expect((await run(['sessions', '--day', DAY, '--limit', '2', '--csv'])).out.split('\n')).toEqual([
      'rank,session_id,events,cost_nano,intents,first_event_at,last_event_at',
      '1,s1,2,17550000,1,2025-03-15T14:05:00.000Z,2025-03-15T14:20:00.000Z',
      '2,s4,1,8250000,1,2025-03-15T23:59:59.999Z,2025-03-15T23:59:59.999Z',
    ]);
    expect((await run(['intents', '--day', DAY])).out).toMatch(
      /faq\s+0\.0020\s+3\s+33\.3%\s+0\.0010\s+21\.67:1\s+WASTEFUL/,
    );
    expect(JSON.parse((await run(['waste', '--day', DAY, '--json'])).out).wasteful_ratio).toBe(10);
  });

  it('refuses --json with --csv, a limit that is not a whole number, and a day that is not a UTC day', async () => {
    expect(String((await run(['daily', '--day', DAY, '--json', '--csv'])).error)).toContain(
      '--json and --csv',
    );
    expect(String((await run(['sessions', '--day', DAY, '--limit', '0'])).error)).toContain('at least 1');
    await expect(
      renderReport('daily', reports, { day: '15/03/2025', limit: 5, format: 'text' }),
    ).rejects.toThrow(RangeError);
  });

  it('adds a USD figure beside every nano-dollar field, however deep', () => {
    expect(withUsd({ a_nano: 1_500_000_000, rows: [{ cost_nano: 5, n: 1 }] })).toEqual({
      a_nano: 1_500_000_000,
      a_usd: 1.5,
      rows: [{ cost_nano: 5, cost_usd: 5e-9, n: 1 }],
    });
  });
});
