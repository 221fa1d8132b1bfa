import { createHash } from 'node:crypto';
import { usdToNano } from '../money';
import type { CostEvent, CostEventV1, CostEventV2 } from './cost-event';

/**
 * v1 has no event id. Deriving it from request_id and timestamp makes a re-sent v1 line dedupe like a
 * v2 retry, and gives the same id on every replay.
 */
export const deriveV1EventId = (v1: Pick<CostEventV1, 'request_id' | 'timestamp'>): string =>
  `v1-${createHash('sha256').update(`${v1.request_id}|${v1.timestamp}`).digest('hex').slice(0, 32)}`;

const v1ReportedCost = (v1: CostEventV1): number | null => {
  if (v1.total_cost_usd !== undefined) return usdToNano(v1.total_cost_usd);
  if (v1.input_cost_usd !== undefined && v1.output_cost_usd !== undefined) {
    return usdToNano(v1.input_cost_usd) + usdToNano(v1.output_cost_usd);
  }
  return null;
};

/** Upcasts a validated v1 entry; occurredAt must already be parsed and range-checked by the caller. */
export const upcastV1 = (v1: CostEventV1, occurredAt: number): CostEvent => ({
  schemaVersion: '1',
  eventId: deriveV1EventId(v1),
  occurredAt,
  requestId: v1.request_id,
  sessionId: v1.session_id,
  intent: v1.intent,
  modelId: v1.model_id,
  component: 'llm',
  language: 'unknown',
  inputTokens: v1.input_tokens,
  outputTokens: v1.output_tokens,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  cacheWrite1hTokens: 0,
  cacheHit: v1.cache_hit,
  region: v1.region,
  reportedCostNano: v1ReportedCost(v1),
  producer: null,
});

/** Builds the normalized event; the object has every PricedCostEvent field so pricing can complete it in place. */
export const fromV2 = (v2: CostEventV2): CostEvent => ({
  schemaVersion: v2.schema_version,
  eventId: v2.event_id,
  occurredAt: v2.occurred_at,
  requestId: v2.request_id,
  sessionId: v2.session_id,
  intent: v2.intent,
  modelId: v2.model_id,
  component: v2.component,
  language: v2.language,
  inputTokens: v2.input_tokens,
  outputTokens: v2.output_tokens,
  cacheReadTokens: v2.cache_read_tokens ?? 0,
  cacheWriteTokens: v2.cache_write_tokens ?? 0,
  cacheWrite1hTokens: v2.cache_write_1h_tokens ?? 0,
  cacheHit: v2.cache_hit ?? false,
  region: v2.region,
  reportedCostNano: v2.reported_cost_usd === undefined ? null : usdToNano(v2.reported_cost_usd),
  producer: v2.producer ?? null,
});
