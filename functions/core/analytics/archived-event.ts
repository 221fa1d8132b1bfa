import type { PricedCostEvent } from '../events/cost-event';
import { utcDay, utcHour } from '../time';

/**
 * One row of the warehouse's `cost_events` table (warehouse/sql/ddl/cost_events.sql) and one line of
 * the archive: the v2 shape with the server-side cost, where it came from on the stream, and the day
 * and hour it is partitioned by. Firehose delivers at least once, so a row may arrive twice; queries
 * read it through the deduplicating view `cost_events_unique` (one row per session_id and event_id).
 */
export interface ArchivedEvent {
  event_id: string;
  schema_version: string;
  /** ISO-8601 UTC, milliseconds. */
  occurred_at: string;
  day: string;
  hour: number;
  request_id: string;
  session_id: string;
  intent: string;
  model_id: string;
  component: string;
  language: string;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cache_write_1h_tokens: number;
  cache_hit: boolean;
  region: string;
  cost_nano: number;
  /** Priced at a ceiling: the catalog does not know the model or region. */
  estimated: boolean;
  reported_cost_nano: number | null;
  price_table: string;
  producer: string | null;
  /** `<shard>:<position>` on the cost-events stream: the archive's own idempotency key. */
  stream_position: string;
  /** ISO-8601 UTC of the record's arrival on the stream. */
  arrived_at: string;
}

export const toArchivedEvent = (
  event: PricedCostEvent,
  streamPosition: string,
  arrivedAt: number,
): ArchivedEvent => ({
  event_id: event.eventId,
  schema_version: event.schemaVersion,
  occurred_at: new Date(event.occurredAt).toISOString(),
  day: utcDay(event.occurredAt),
  hour: utcHour(event.occurredAt),
  request_id: event.requestId,
  session_id: event.sessionId,
  intent: event.intent,
  model_id: event.modelId,
  component: event.component,
  language: event.language,
  input_tokens: event.inputTokens,
  output_tokens: event.outputTokens,
  cache_read_tokens: event.cacheReadTokens,
  cache_write_tokens: event.cacheWriteTokens,
  cache_write_1h_tokens: event.cacheWrite1hTokens,
  cache_hit: event.cacheHit,
  region: event.region,
  cost_nano: event.costNano,
  estimated: event.estimated,
  reported_cost_nano: event.reportedCostNano,
  price_table: event.priceTable,
  producer: event.producer,
  stream_position: streamPosition,
  arrived_at: new Date(arrivedAt).toISOString(),
});
