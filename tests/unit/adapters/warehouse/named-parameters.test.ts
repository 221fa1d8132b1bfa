import { describe, expect, it } from '@jest/globals';
import {
  MissingSqlParameterError,
  parameterNames,
  toPositional,
  usedParameters,
} from '../../../../functions/adapters/warehouse/named-parameters';

describe('named parameters', () => {
  it('are found outside strings, quoted identifiers, comments and :: casts', () => {
    const sql = [
      '-- :ignored in a line comment',
      'SELECT \':not_this\', ":nor_this", x::text, /* :nor */ CAST(:day AS DATE)',
      'WHERE a = :limit AND b = :day AND c = 10:1',
    ].join('\n');

    expect(parameterNames(sql)).toEqual(['day', 'limit']);
  });

  it('become $n in order of first use, one number per name, with string values', () => {
    const { text, values } = toPositional('q', 'SELECT :b, :a, :b, x::int', { a: 1, b: 'two', unused: 3 });

    expect(text).toBe('SELECT $1, $2, $1, x::int');
    expect(values).toEqual(['two', '1']);
  });

  it('go to the Data API as name and string value, leaving out the ones the query does not use', () => {
    expect(usedParameters('q', 'SELECT :day, :limit', { day: '2025-03-15', limit: 5, extra: 1 })).toEqual([
      { name: 'day', value: '2025-03-15' },
      { name: 'limit', value: '5' },
    ]);
  });

  it('must all be given', () => {
    expect(() => usedParameters('reports/top-sessions', 'SELECT :day, :limit', { day: 'x' })).toThrow(
      new MissingSqlParameterError('reports/top-sessions', 'limit'),
    );
  });
});
