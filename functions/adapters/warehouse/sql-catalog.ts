import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import bundled from './queries.generated.json' with { type: 'json' };

/** The text of a warehouse query by name: `reports/daily-total` is `warehouse/sql/reports/daily-total.sql`. */
export type SqlCatalog = (name: string) => string;

export class UnknownQueryError extends Error {
  constructor(
    readonly query: string,
    options?: ErrorOptions,
  ) {
    super(`no warehouse query named ${query}`, options);
    this.name = 'UnknownQueryError';
  }
}

const QUERY_NAME = /^[a-z0-9-]+\/[a-z0-9-]+$/;

const queries: Readonly<Record<string, string>> = bundled.queries;

/**
 * The query files as bundled into `queries.generated.json` (what a Lambda function carries; a unit test
 * fails when it differs from warehouse/sql).
 */
export const bundledSql: SqlCatalog = (name) => {
  const sql = Object.hasOwn(queries, name) ? queries[name] : undefined;
  if (sql === undefined) throw new UnknownQueryError(name);
  return sql;
};

/** The query files read from a folder (warehouse/sql), once each: for the CLI and tests on a checkout. */
export const sqlFromDisk = (dir: string): SqlCatalog => {
  const cache = new Map<string, string>();
  return (name) => {
    let sql = cache.get(name);
    if (sql === undefined) {
      if (!QUERY_NAME.test(name)) throw new UnknownQueryError(name);
      try {
        sql = readFileSync(join(dir, `${name}.sql`), 'utf8');
      } catch (error) {
        throw new UnknownQueryError(name, { cause: error });
      }
      cache.set(name, sql);
    }
    return sql;
  };
};
