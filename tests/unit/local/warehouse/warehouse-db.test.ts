import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  closeWarehouseDb,
  loadArchivedEvents,
  toCopyCsv,
  warehouseDb,
} from '../../../../scripts/local/warehouse/warehouse-db';
import { anArchivedEvent, archivedEvents } from '../../../helpers/archived-events';

// A fresh PGlite data folder takes ~4 s to initialise on this machine.
jest.setTimeout(60_000);

describe('the local warehouse', () => {
  let home: string;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-warehouse-'));
  });

  afterAll(async () => {
    await closeWarehouseDb(home);
    await rm(home, { recursive: true, force: true });
  });

  it('opens once per process and home, with the DDL applied', async () => {
    // Act
    const [first, second] = await Promise.all([warehouseDb(home), warehouseDb(home)]);

    // Assess
    expect(second).toBe(first);
    const tables = await first.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
    );
    expect(tables.rows.map((r) => r.name)).toEqual(
      expect.arrayContaining(['cost_events', 'cost_events_unique']),
    );
  });

  it('loads rows exactly: quotes, commas, newlines, NULL versus empty, 53-bit integers', async () => {
    // Prepare
    const db = await warehouseDb(home);
    await db.exec('TRUNCATE cost_events');
    const rows = [
      anArchivedEvent({ event_id: 'a"b,c\nd', producer: '', reported_cost_nano: 8_400_000 }),
      anArchivedEvent({
        event_id: 'plain',
        producer: null,
        cost_nano: Number.MAX_SAFE_INTEGER,
        cache_hit: true,
      }),
    ];

    // Act
    const loaded = await loadArchivedEvents(db, rows);

    // Assess
    expect(loaded).toBe(2);
    const back = await db.query<Record<string, unknown>>(
      `SELECT event_id, producer, producer IS NULL AS producer_null, reported_cost_nano::text AS reported,
              cost_nano::text AS cost, cache_hit, occurred_at::text AS occurred, day::text AS day, hour
       FROM cost_events ORDER BY event_id`,
    );
    expect(back.rows).toEqual([
      {
        event_id: 'a"b,c\nd',
        producer: '',
        producer_null: false,
        reported: '8400000',
        cost: '8400000',
        cache_hit: false,
        occurred: '2025-03-15 14:23:01',
        day: '2025-03-15',
        hour: 14,
      },
      {
        event_id: 'plain',
        producer: null,
        producer_null: true,
        reported: null,
        cost: String(Number.MAX_SAFE_INTEGER),
        cache_hit: true,
        occurred: '2025-03-15 14:23:01',
        day: '2025-03-15',
        hour: 14,
      },
    ]);
  });

  it('keeps one row per session and event in the deduplicating view when Firehose delivers twice', async () => {
    // Prepare
    const db = await warehouseDb(home);
    await db.exec('TRUNCATE cost_events');
    const rows = archivedEvents(3);

    // Act
    await loadArchivedEvents(db, rows);
    await loadArchivedEvents(db, rows);

    // Assess
    const all = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cost_events');
    const unique = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cost_events_unique');
    expect([all.rows[0]?.n, unique.rows[0]?.n]).toEqual([6, 3]);
  });

  it('survives a reopen: the DDL is idempotent and the rows stay', async () => {
    // Prepare
    const db = await warehouseDb(home);
    await db.exec('TRUNCATE cost_events');
    await loadArchivedEvents(db, archivedEvents(5));
    await closeWarehouseDb(home);

    // Act
    const reopened = await warehouseDb(home);

    // Assess
    expect(reopened).not.toBe(db);
    const count = await reopened.query<{ n: number }>('SELECT count(*)::int AS n FROM cost_events');
    expect(count.rows[0]?.n).toBe(5);
  });

  it('writes NULL as an empty field and every string quoted', () => {
    // Act
    const csv = toCopyCsv([anArchivedEvent({ producer: null, reported_cost_nano: 7 })]);

    // Assess
    expect(csv.endsWith('\n')).toBe(true);
    const fields = csv.trimEnd().split(',');
    expect(fields[0]).toBe('"evt-0001"');
    expect(fields[20]).toBe('7');
    expect(fields[22]).toBe('');
  });
});
