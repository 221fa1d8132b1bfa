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
