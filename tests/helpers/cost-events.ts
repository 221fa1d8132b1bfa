import { gzipSync } from 'node:zlib';
import type { CostEventV1, CostEventV2 } from '../../functions/core/events/cost-event';
import type { StreamRecord } from '../../functions/core/ingest/ingest-batch';

export const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
export const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

/** A valid v2 event; override any field. */
export const aV2Event = (overrides: Partial<CostEventV2> = {}): CostEventV2 => ({
  schema_version: '2.0',
  event_id: 'evt-0001',
  occurred_at: Date.parse('2025-03-15T14:23:01.000Z'),
  request_id: 'req-abc123',
  session_id: 'sess-xyz789',
  intent: 'recommendation',
  model_id: SONNET,
  component: 'llm',
  language: 'en',
  input_tokens: 800,
  output_tokens: 400,
  region: 'us-east-1',
  ...overrides,
});

/** The seed's own v1 log line (seed 001 A9). */
export const aV1Event = (overrides: Partial<CostEventV1> = {}): CostEventV1 => ({
  timestamp: '2025-03-15T14:23:01Z',
  request_id: 'req-abc123',
  session_id: 'sess-xyz789',
  intent: 'recommendation',
  model_id: SONNET,
  input_tokens: 1247,
  output_tokens: 412,
  cache_hit: false,
  latency_ms: 2340,
  input_cost_usd: 0.003741,
  output_cost_usd: 0.00618,
  total_cost_usd: 0.009921,
  region: 'us-east-1',
  hour_of_day: 14,
  ...overrides,
});

export const encode = (value: unknown): Uint8Array =>
  new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value));

/**
 * Stream records on one shard with increasing sequence numbers, like a Kinesis batch. Tests against a
 * real DynamoDB Local pass `arrivedAt: Date.now()`: it deletes items whose TTL (from arrival) has passed.
 */
export const aBatch = (
  payloads: unknown[],
  options: { shardId?: string; firstSequence?: bigint; arrivedAt?: number } = {},
): StreamRecord[] => {
  const base = options.firstSequence ?? 49_660_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;
  return payloads.map((payload, i) => ({
    shardId: options.shardId ?? 'shardId-000000000000',
    sequenceNumber: String(base + BigInt(i) * 10n),
    partitionKey: 'pk',
    arrivedAt: options.arrivedAt ?? Date.parse('2025-03-15T14:23:02.000Z'),
    data: encode(payload),
  }));
};

/** Packs payloads into records of several events each (NDJSON, gzip when asked), as the producer does. */
export const aPackedBatch = (
  groups: unknown[][],
  options: { gzip?: boolean; arrivedAt?: number; firstSequence?: bigint } = {},
): StreamRecord[] =>
  aBatch(
    groups.map(() => ''),
    options,
  ).map((record, i) => {
    const text = (groups[i] ?? []).map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join('\n');
    return { ...record, data: options.gzip ? gzipSync(text) : encode(text) };
  });
