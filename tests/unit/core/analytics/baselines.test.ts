import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { bundledSql } from '../../../../functions/adapters/warehouse/sql-catalog';
import { createRefreshBaselines, toHourBaselines } from '../../../../functions/core/analytics/baselines';
import type { HourBaseline } from '../../../../functions/core/analytics/ports';
import { PgliteWarehouse } from '../../../../scripts/local/warehouse/pglite-warehouse';
import { baselineHistory, openTestWarehouse } from '../../../helpers/warehouse-fixtures';

describe('the baselines', () => {
  it('average each hour over 4 quarters x the covered days, rounded half up, all 24 hours', () => {
    const baselines = toHourBaselines(
      '2025-03-15',
      [{ hour: 2, cost_7d_nano: 1_000_000, days_7d: 2, cost_28d_nano: 1_000_006, days_28d: 3 }],
      '2025-03-15T10:00:00.000Z',
    );

    expect(baselines).toHaveLength(24);
    // 1,000,000 / 8 = 125,000; 1,000,006 / 12 = 83,333.83 -> 83,334.
    expect(baselines[2]).toEqual({
      hour: 2,
      for_day: '2025-03-15',
      avg_7d_nano: 125_000,
      days_7d: 2,
      avg_28d_nano: 83_334,
      days_28d: 3,
      computed_at: '2025-03-15T10:00:00.000Z',
    });
    expect(baselines[3]).toMatchObject({ avg_7d_nano: 0, days_7d: 2, avg_28d_nano: 0, days_28d: 3 });
  });

  it('average 0 over 0 days when the warehouse has no history', () => {
    expect(
      toHourBaselines('2025-03-15', [], 'now').every((b) => b.days_7d === 0 && b.avg_7d_nano === 0),
    ).toBe(true);
  });

  describe('refreshed from the warehouse', () => {
    let db: PGlite;

    beforeAll(async () => {
      db = await openTestWarehouse(baselineHistory());
    }, 60_000);

    afterAll(async () => {
      await db.close();
    });

    it('are computed for the wall-clock UTC day and stored, one per hour', async () => {
      // Prepare
      const stored: HourBaseline[] = [];
      const refresh = createRefreshBaselines({
        warehouse: new PgliteWarehouse(db, bundledSql),
        store: { put: async (baselines) => void stored.push(...baselines) },
        clock: { now: () => Date.parse('2025-03-15T00:20:00.000Z') },
      });

      // Act
      const result = await refresh();

      // Assess: hour 14 is 4M (DAY-1) + 8M (DAY-3) over 2 days, + 12M (DAY-10) over 3 days.
      expect(result).toEqual({ for_day: '2025-03-15', days_7d: 2, days_28d: 3, hours: 24 });
      expect(stored).toHaveLength(24);
      expect(stored[14]).toEqual({
        hour: 14,
        for_day: '2025-03-15',
        avg_7d_nano: 1_500_000,
        days_7d: 2,
        avg_28d_nano: 2_000_000,
        days_28d: 3,
        computed_at: '2025-03-15T00:20:00.000Z',
      });
      expect(stored[2]).toMatchObject({ avg_7d_nano: 125_000, avg_28d_nano: 83_333 });
    });

    it('fail when the store does, so the scheduled run errors and is retried', async () => {
      const refresh = createRefreshBaselines({
        warehouse: new PgliteWarehouse(db, bundledSql),
        store: {
          put: async () => {
            throw new Error('throttled');
          },
        },
        clock: { now: () => Date.parse('2025-03-15T00:20:00.000Z') },
      });

      await expect(refresh()).rejects.toThrow('throttled');
    });
  });
});
