// Bundles the warehouse's query files (warehouse/sql/reports and baselines) into one JSON module, so a
// Lambda bundle carries them: esbuild inlines an imported JSON file, and tsx, jest and tsc read it too.
// Run `npx tsx scripts/build/warehouse-sql.ts` after changing a query; a unit test fails while it is stale.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** The query files' folder; a query's name is its path below it without `.sql` (`reports/daily-total`). */
export const WAREHOUSE_SQL_DIR = join(ROOT, 'warehouse/sql');
/** Folders of queries; `ddl/` is applied by the stack, never run as a query. */
export const QUERY_FOLDERS = ['reports', 'baselines'] as const;
export const WAREHOUSE_SQL_MODULE = join(ROOT, 'functions/adapters/warehouse/queries.generated.json');

/** Every query file by name, in name order. */
export const readQueryFiles = (dir: string = WAREHOUSE_SQL_DIR): Record<string, string> => {
  const files = QUERY_FOLDERS.flatMap((folder) =>
    readdirSync(join(dir, folder))
      .filter((file) => file.endsWith('.sql'))
      .map((file) => join(dir, folder, file)),
  );
  return Object.fromEntries(
    files
      .map((file) => [
        relative(dir, file)
          .replaceAll('\\', '/')
          .replace(/\.sql$/, ''),
        readFileSync(file, 'utf8'),
      ])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  );
};

/** The generated module's text: deterministic for the same files. */
export const warehouseSqlSource = (dir: string = WAREHOUSE_SQL_DIR): string =>
  `${JSON.stringify(
    {
      generated_by:
        'scripts/build/warehouse-sql.ts from warehouse/sql/{reports,baselines}/*.sql; do not edit',
      queries: readQueryFiles(dir),
    },
    null,
    2,
  )}\n`;

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  writeFileSync(WAREHOUSE_SQL_MODULE, warehouseSqlSource());
  console.log(`wrote ${relative(ROOT, WAREHOUSE_SQL_MODULE)}`);
}
