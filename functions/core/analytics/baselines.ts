import { type Clock, utcDay } from '../time';
import type { BaselineStore, HourBaseline, Warehouse } from './ports';

export const BASELINE_QUERY = 'baselines/same-hour-spend';

/** A row of warehouse/sql/baselines/same-hour-spend.sql. */
export interface SameHourSpendRow {
  hour: number;
  cost_7d_nano: number;
  days_7d: number;
  cost_28d_nano: number;
  days_28d: number;
}

const QUARTERS_PER_HOUR = 4;

// The mean 15-minute spend of `days` days' worth of one hour, rounded half up to a whole nano-dollar.
const quarterAverage = (costNano: number, days: number): number =>
  days === 0 ? 0 : Math.floor((costNano * 2 + QUARTERS_PER_HOUR * days) / (2 * QUARTERS_PER_HOUR * days));

/**
 * One baseline per hour of the day (all 24: an hour without spend on any covered day averages 0) from
 * the warehouse's same-hour sums. Every hour shares the days counts: they count the days with any event.
 */
export const toHourBaselines = (
  forDay: string,
  rows: readonly SameHourSpendRow[],
  computedAt: string,
): HourBaseline[] => {
  const days7 = Math.max(0, ...rows.map((r) => r.days_7d));
  const days28 = Math.max(0, ...rows.map((r) => r.days_28d));
  return Array.from({ length: 24 }, (_, hour) => {
    const row = rows.find((r) => r.hour === hour);
    return {
      hour,
      for_day: forDay,
      avg_7d_nano: quarterAverage(row?.cost_7d_nano ?? 0, days7),
      days_7d: days7,
      avg_28d_nano: quarterAverage(row?.cost_28d_nano ?? 0, days28),
      days_28d: days28,
      computed_at: computedAt,
    };
  });
};

/**
 * The scheduled baselines job: the same-hour averages over the 7 and 28 days before today (UTC, wall
 * clock), stored for the velocity check. Re-running it rewrites the same items, so a retry is harmless.
 */
export const createRefreshBaselines =
  (deps: { warehouse: Warehouse; store: BaselineStore; clock: Clock }) =>
  async (): Promise<{ for_day: string; days_7d: number; days_28d: number; hours: number }> => {
    const now = deps.clock.now();
    const forDay = utcDay(now);
    const rows = await deps.warehouse.query<SameHourSpendRow & Record<string, unknown>>(BASELINE_QUERY, {
      day: forDay,
    });
    const baselines = toHourBaselines(forDay, rows, new Date(now).toISOString());
    await deps.store.put(baselines);
    return {
      for_day: forDay,
      days_7d: baselines[0]?.days_7d ?? 0,
      days_28d: baselines[0]?.days_28d ?? 0,
      hours: baselines.length,
    };
  };
