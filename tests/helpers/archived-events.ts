import type { ArchivedEvent } from '../../functions/core/analytics/archived-event';

/** An archived row (the warehouse's `cost_events`); override any field. */
export const anArchivedEvent = (overrides: Partial<ArchivedEvent> = {}): ArchivedEvent => ({
  event_id: 'evt-0001',
  schema_version: '2.0',
  occurred_at: '2025-03-15T14:23:01.000Z',
  day: '2025-03-15',
  hour: 14,
  request_id: 'req-abc123',
  session_id: 'sess-xyz789',
  intent: 'recommendation',
  model_id: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
  component: 'llm',
  language: 'en',
  input_tokens: 800,
  output_tokens: 400,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cache_write_1h_tokens: 0,
  cache_hit: false,
  region: 'us-east-1',
  cost_nano: 8_400_000,
  estimated: false,
  reported_cost_nano: null,
  price_table: 'bedrock-2025-03',
  producer: null,
  stream_position: 'shardId-000000000000:4966000000000000000000000000000000000000000000000000000000000',
  arrived_at: '2025-03-15T14:23:02.000Z',
  ...overrides,
});

/** `count` distinct rows, one second apart, numbered from 0. */
export const archivedEvents = (count: number, overrides: Partial<ArchivedEvent> = {}): ArchivedEvent[] =>
  Array.from({ length: count }, (_, i) =>
    anArchivedEvent({
      event_id: `evt-${String(i).padStart(6, '0')}`,
      occurred_at: new Date(Date.parse('2025-03-15T14:00:00.000Z') + i * 1_000).toISOString(),
      stream_position: `shardId-000000000000:${String(i).padStart(20, '0')}`,
      ...overrides,
    }),
  );
