import { PGlite } from '@electric-sql/pglite';
import type { ArchivedEvent } from '../../functions/core/analytics/archived-event';
import { applyWarehouseDdl, loadArchivedEvents } from '../../scripts/local/warehouse/warehouse-db';
import { anArchivedEvent } from './archived-events';

export const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
export const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';
export const DAY = '2025-03-15';

/** An in-memory warehouse with warehouse/sql/ddl applied (a fresh PGlite takes a few seconds: share it). */
export const openTestWarehouse = async (rows: readonly ArchivedEvent[] = []): Promise<PGlite> => {
  const db = await PGlite.create();
  await applyWarehouseDdl(db);
  await loadArchivedEvents(db, rows);
  return db;
};

let position = 0;

/** A row at an ISO instant, its day and hour derived, with a fresh stream position. */
export const rowAt = (occurredAt: string, overrides: Partial<ArchivedEvent> = {}): ArchivedEvent => {
  position += 1;
  return anArchivedEvent({
    occurred_at: occurredAt,
    day: occurredAt.slice(0, 10),
    hour: Number(occurredAt.slice(11, 13)),
    arrived_at: new Date(Date.parse(occurredAt) + 1_000).toISOString(),
    stream_position: `shardId-000000000000:${String(position).padStart(20, '0')}`,
    ...overrides,
  });
};

/**
 * One day of the chatbot, small enough to check by hand (the numbers in the SQL tests are worked out in
 * the comments): three intents on two models, a response-cache hit, prompt-cache reads and writes, a
 * wasteful FAQ call, an ap-northeast-1 call at 23:59:59.999, a producer duplicate arriving later, and an
 * event at 00:00:00.000 of the next day.
 */
export const reportDay = (): ArchivedEvent[] => {
  const e4 = rowAt(`${DAY}T09:11:00.000Z`, {
    event_id: 'e4',
    session_id: 's2',
    intent: 'faq',
    model_id: HAIKU,
    input_tokens: 500,
    output_tokens: 200,
    cost_nano: 375_000, // 500 x 250 + 200 x 1250
  });
  return [
    rowAt(`${DAY}T14:05:00.000Z`, {
      event_id: 'e1',
      session_id: 's1',
      intent: 'recommendation',
      model_id: SONNET,
      input_tokens: 1_000,
      output_tokens: 400,
      cache_read_tokens: 500,
      cost_nano: 9_150_000, // 1000 x 3000 + 400 x 15000 + 500 x 300
    }),
    rowAt(`${DAY}T14:20:00.000Z`, {
      event_id: 'e2',
      session_id: 's1',
      intent: 'recommendation',
      model_id: SONNET,
      input_tokens: 800,
      output_tokens: 300,
      cache_write_tokens: 400,
      cost_nano: 8_400_000, // 800 x 3000 + 300 x 15000 + 400 x 3750
    }),
    rowAt(`${DAY}T09:10:00.000Z`, {
      event_id: 'e3',
      session_id: 's2',
      intent: 'faq',
      model_id: HAIKU,
      input_tokens: 0,
      output_tokens: 0,
      cache_hit: true,
      cost_nano: 0,
    }),
    e4,
    rowAt(`${DAY}T09:30:00.000Z`, {
      event_id: 'e5',
      session_id: 's3',
      intent: 'faq',
      model_id: HAIKU,
      input_tokens: 6_000,
      output_tokens: 100,
      cost_nano: 1_625_000, // 6000 x 250 + 100 x 1250
    }),
    rowAt(`${DAY}T23:59:59.999Z`, {
      event_id: 'e6',
      session_id: 's4',
      intent: 'product_question',
      model_id: SONNET,
      region: 'ap-northeast-1',
      input_tokens: 2_000,
      output_tokens: 100,
      cost_nano: 8_250_000, // (2000 x 3000 + 100 x 15000) x 1.1
    }),
    // The producer sent e4 twice; Firehose delivered both. cost_events_unique keeps the first.
    {
      ...e4,
      stream_position: 'shardId-000000000001:00000000000000000099',
      arrived_at: `${DAY}T09:12:00.000Z`,
    },
    rowAt('2025-03-16T00:00:00.000Z', {
      event_id: 'e7',
      session_id: 's4',
      intent: 'faq',
      model_id: HAIKU,
      input_tokens: 100,
      output_tokens: 10,
      cost_nano: 37_500,
    }),
  ];
};

/**
 * Spend on the days before DAY for the baselines: hour 14 on DAY-1 (twice delivered), DAY-3 and DAY-10,
 * hour 02 on DAY-3, and rows that must not count (DAY itself, DAY-29).
 */
export const baselineHistory = (): ArchivedEvent[] => {
  const dayMinus1 = rowAt('2025-03-14T14:10:00.000Z', { event_id: 'b1', cost_nano: 4_000_000 });
  return [
    dayMinus1,
    { ...dayMinus1, stream_position: 'shardId-000000000001:00000000000000000777' },
    rowAt('2025-03-12T14:40:00.000Z', { event_id: 'b2', cost_nano: 8_000_000 }),
    rowAt('2025-03-12T02:00:00.000Z', { event_id: 'b3', cost_nano: 1_000_000 }),
    rowAt('2025-03-05T14:00:00.000Z', { event_id: 'b4', cost_nano: 12_000_000 }),
    rowAt('2025-02-14T14:00:00.000Z', { event_id: 'b5', cost_nano: 99_000_000 }),
  ];
};
