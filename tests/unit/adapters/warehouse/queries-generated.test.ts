import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { bundledSql, UnknownQueryError } from '../../../../functions/adapters/warehouse/sql-catalog';
import {
  readQueryFiles,
  WAREHOUSE_SQL_MODULE,
  warehouseSqlSource,
} from '../../../../scripts/build/warehouse-sql';

describe('the bundled warehouse queries', () => {
  it('match warehouse/sql: run `npx tsx scripts/build/warehouse-sql.ts` after changing a query', () => {
    expect(readFileSync(WAREHOUSE_SQL_MODULE, 'utf8')).toBe(warehouseSqlSource());
  });

  it('serve each query file by name and refuse unknown names', () => {
    for (const [name, sql] of Object.entries(readQueryFiles())) expect(bundledSql(name)).toBe(sql);
    expect(() => bundledSql('ddl/cost_events')).toThrow(UnknownQueryError);
    expect(() => bundledSql('toString')).toThrow(UnknownQueryError);
  });
});
