import type { SqlValue } from '../../core/analytics/ports';

export class UnsafeWarehouseNumberError extends Error {
  constructor(
    readonly column: string,
    readonly text: string,
  ) {
    super(`column ${column} holds ${text}, beyond the integers a JavaScript number keeps exactly`);
    this.name = 'UnsafeWarehouseNumberError';
  }
}

/** PostgreSQL type oids of the types our queries return, by the type name Redshift's ColumnMetadata uses. */
export const PG_TYPE_NAMES: Readonly<Record<number, string>> = {
  16: 'bool',
  20: 'int8',
  21: 'int2',
  23: 'int4',
  25: 'text',
  700: 'float4',
  701: 'float8',
  1042: 'bpchar',
  1043: 'varchar',
  1082: 'date',
  1114: 'timestamp',
  1184: 'timestamptz',
  1700: 'numeric',
};

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
const FLOAT_TYPES = new Set(['float4', 'float8']);

/** How the Redshift Data API carries a value of this type: longValue, doubleValue, booleanValue or stringValue. */
export const fieldKind = (typeName: string): 'long' | 'double' | 'boolean' | 'string' =>
  INTEGER_TYPES.has(typeName)
    ? 'long'
    : FLOAT_TYPES.has(typeName)
      ? 'double'
      : typeName === 'bool'
        ? 'boolean'
        : 'string';

// "2025-03-15 14:00:00.123" (Redshift and PostgreSQL text) -> "2025-03-15T14:00:00.123Z".
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?(?:\+00(?::?00)?|Z)?$/;

const isoTimestamp = (text: string): string => {
  const match = TIMESTAMP.exec(text);
  if (match === null) return text;
  const fraction = (match[3] ?? '.').slice(1).padEnd(3, '0').slice(0, 3);
  return `${match[1]}T${match[2]}.${fraction}Z`;
};

/**
 * A value that came as text, typed by its column: NUMERIC becomes a number (an integral one only when
 * exact), timestamps ISO-8601 UTC, everything else (DATE as YYYY-MM-DD, VARCHAR) stays text.
 */
export const fromText = (column: string, typeName: string, text: string): SqlValue => {
  switch (typeName) {
    case 'numeric': {
      const value = Number(text);
      if (/^-?\d+$/.test(text) && !Number.isSafeInteger(value))
        throw new UnsafeWarehouseNumberError(column, text);
      return value;
    }
    case 'int2':
    case 'int4':
    case 'int8': {
      const value = Number(text);
      if (!Number.isSafeInteger(value)) throw new UnsafeWarehouseNumberError(column, text);
      return value;
    }
    case 'float4':
    case 'float8':
      return Number(text);
    case 'bool':
      return text === 't' || text === 'true';
    case 'timestamp':
    case 'timestamptz':
      return isoTimestamp(text);
    default:
      return text;
  }
};
