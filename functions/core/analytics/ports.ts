import type { ArchivedEvent } from './archived-event';

/** A named parameter of a warehouse query: `:name` in the SQL files. */
export type SqlParameter = string | number;

/**
 * The warehouse, whatever runs it: Amazon Redshift through the Redshift Data API on AWS, PGlite in the
 * local stack and tests. Queries are the files under warehouse/sql/, valid on both.
 */
export interface Warehouse {
  /** Runs one SQL file by name (e.g. `reports/daily-by-intent`) with named parameters; rows as objects. */
  query<Row extends Record<string, unknown>>(
    name: string,
    parameters?: Record<string, SqlParameter>,
  ): Promise<Row[]>;
}

/** Where the archive path sends validated, normalized events (Firehose on AWS, its stand-in locally). */
export interface ArchiveSink {
  /** Sends every event or throws; retries the records a partial failure rejected. */
  send(events: readonly ArchivedEvent[]): Promise<{ records: number; batches: number; retried: number }>;
}

/**
 * A value in a warehouse row, the same from every adapter: integers and NUMERIC as numbers (exact up to
 * 2^53; nano-dollar sums stay far below), BOOLEAN as booleans, DATE as `YYYY-MM-DD`, TIMESTAMP as
 * ISO-8601 UTC, text as strings, NULL as null.
 */
export type SqlValue = string | number | boolean | null;

/**
 * What 15 minutes usually cost at one hour of the UTC day, from the warehouse: the average over the 7 and
 * the 28 days before `for_day` (each over the days the warehouse has any event on; the number is kept so
 * a reader can tell a real average from a thin one).
 */
export interface HourBaseline {
  /** 0..23, UTC. */
  hour: number;
  /** The day these averages were computed for; they cover the days before it. */
  for_day: string;
  avg_7d_nano: number;
  days_7d: number;
  avg_28d_nano: number;
  days_28d: number;
  /** ISO-8601 UTC. */
  computed_at: string;
}

/** Where the baselines go for the velocity check to read (the spend table: pk `BASELINE`, sk `HH`). */
export interface BaselineStore {
  put(baselines: readonly HourBaseline[]): Promise<void>;
}
