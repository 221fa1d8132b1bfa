import type { SqlParameter } from '../../core/analytics/ports';

export class MissingSqlParameterError extends Error {
  constructor(
    readonly query: string,
    readonly parameter: string,
  ) {
    super(`query ${query} needs the parameter :${parameter}, which was not given`);
    this.name = 'MissingSqlParameterError';
  }
}

/** Where the SQL text has `:name` placeholders, outside strings, quoted identifiers, comments and `::` casts. */
interface Placeholder {
  name: string;
  start: number;
  end: number;
}

const NAME_START = /[A-Za-z_]/;
const NAME_PART = /[A-Za-z0-9_]/;

const placeholdersOf = (sql: string): Placeholder[] => {
  const found: Placeholder[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // A doubled quote inside is an escaped quote, so scanning to the next one and going on is enough.
      const close = sql.indexOf(c, i + 1);
      i = close < 0 ? sql.length : close + 1;
    } else if (c === '-' && next === '-') {
      const newline = sql.indexOf('\n', i);
      i = newline < 0 ? sql.length : newline + 1;
    } else if (c === '/' && next === '*') {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
    } else if (c === ':' && next === ':') {
      i += 2;
    } else if (c === ':' && next !== undefined && NAME_START.test(next)) {
      let end = i + 2;
      while (end < sql.length && NAME_PART.test(sql[end] ?? '')) end += 1;
      found.push({ name: sql.slice(i + 1, end), start: i, end });
      i = end;
    } else {
      i += 1;
    }
  }
  return found;
};

/** The distinct `:name` parameters a query uses, in order of first use. */
export const parameterNames = (sql: string): string[] => [
  ...new Set(placeholdersOf(sql).map((placeholder) => placeholder.name)),
];

/**
 * The values of the parameters a query uses, as the strings the Redshift Data API takes. Parameters the
 * query does not use are left out (the API rejects unused ones), so callers may pass one set to many
 * queries; a used one that is missing throws.
 */
export const usedParameters = (
  query: string,
  sql: string,
  parameters: Readonly<Record<string, SqlParameter>>,
): { name: string; value: string }[] =>
  parameterNames(sql).map((name) => {
    const value = parameters[name];
    if (value === undefined) throw new MissingSqlParameterError(query, name);
    return { name, value: String(value) };
  });

/**
 * `:name` placeholders as PostgreSQL's `$1, $2, ...` (one number per distinct name), with the values in
 * that order, as strings like the Redshift Data API sends them, so both warehouses see the same types.
 */
export const toPositional = (
  query: string,
  sql: string,
  parameters: Readonly<Record<string, SqlParameter>>,
): { text: string; values: string[] } => {
  const values = usedParameters(query, sql, parameters);
  const position = new Map(values.map(({ name }, index) => [name, index + 1]));
  let text = '';
  let from = 0;
  for (const placeholder of placeholdersOf(sql)) {
    text += `${sql.slice(from, placeholder.start)}$${position.get(placeholder.name)}`;
    from = placeholder.end;
  }
  return { text: text + sql.slice(from), values: values.map(({ value }) => value) };
};
