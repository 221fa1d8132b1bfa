import type { PGlite } from '@electric-sql/pglite';
import { fromText, PG_TYPE_NAMES } from '../../../functions/adapters/warehouse/column-types';
import { toPositional } from '../../../functions/adapters/warehouse/named-parameters';
import type { SqlCatalog } from '../../../functions/adapters/warehouse/sql-catalog';
import type { SqlParameter, SqlValue, Warehouse } from '../../../functions/core/analytics/ports';

/** What the adapter needs of a PGlite instance (a type import: no Lambda bundle carries PGlite). */
export type PgliteQuerier = Pick<PGlite, 'query'>;

export interface PgliteResult {
  fields: { name: string; dataTypeID: number }[];
  rows: Record<string, unknown>[];
}

const asText = (value: unknown): string => String(value);

// Every value comes back as PostgreSQL's text, then is typed by fromText like a Data API stringValue, so
// both adapters return the same values (and PGlite's Date objects never appear).
const TEXT_PARSERS = Object.fromEntries(Object.keys(PG_TYPE_NAMES).map((oid) => [Number(oid), asText]));

/**
 * Runs one query on PGlite: `:name` placeholders become `$n` with string values (as the Data API sends
 * them), and every value comes back as text. The Redshift Data API stand-in shares it.
 */
export const runOnPglite = async (
  db: PgliteQuerier,
  name: string,
  sql: string,
  parameters: Readonly<Record<string, SqlParameter>>,
): Promise<PgliteResult> => {
  const { text, values } = toPositional(name, sql, parameters);
  const result = await db.query<Record<string, unknown>>(text, values, { parsers: TEXT_PARSERS });
  return { fields: result.fields, rows: result.rows };
};

/** PostgreSQL's type name for a column, as Redshift's ColumnMetadata names it (`text` for unknown oids). */
export const pgTypeName = (dataTypeID: number): string => PG_TYPE_NAMES[dataTypeID] ?? 'text';

/** A row of text values typed by their columns. */
export const typedRow = (result: PgliteResult, row: Record<string, unknown>): Record<string, SqlValue> =>
  Object.fromEntries(
    result.fields.map(({ name, dataTypeID }) => {
      const value = row[name];
      return [
        name,
        value === null || value === undefined ? null : fromText(name, pgTypeName(dataTypeID), String(value)),
      ];
    }),
  );

/** The Warehouse port on PGlite: the local stack's warehouse and the SQL tests. */
export class PgliteWarehouse implements Warehouse {
  constructor(
    private readonly db: PgliteQuerier,
    private readonly sql: SqlCatalog,
  ) {}

  async query<Row extends Record<string, unknown>>(
    name: string,
    parameters: Record<string, SqlParameter> = {},
  ): Promise<Row[]> {
    const result = await runOnPglite(this.db, name, this.sql(name), parameters);
    return result.rows.map((row) => typedRow(result, row) as Row);
  }
}
