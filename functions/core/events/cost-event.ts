/** The orchestrator's legacy per-request log entry (schemas/cost-event.v1.json). */
export interface CostEventV1 {
  timestamp: string;
  request_id: string;
  session_id: string;
  intent: string;
  model_id: string;
  input_tokens: number;
  output_tokens: number;
  cache_hit: boolean;
  region: string;
  latency_ms?: number;
  input_cost_usd?: number;
  output_cost_usd?: number;
  total_cost_usd?: number;
  hour_of_day?: number;
}

export type Component = 'llm' | 'embedding' | 'rerank' | 'intent_classifier' | 'guardrail' | 'summarizer';
export type Language = 'en' | 'ja' | 'mixed';

/** The current contract (schemas/cost-event.v2.json). */
export interface CostEventV2 {
  schema_version: string;
  event_id: string;
  occurred_at: number;
  request_id: string;
  session_id: string;
  intent: string;
  model_id: string;
  component: Component;
  language: Language;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  cache_write_1h_tokens?: number;
  cache_hit?: boolean;
  region: string;
  latency_ms?: number;
  reported_cost_usd?: number;
  price_table?: string;
  producer?: string;
}

/**
 * A v2 event after upcasting, with defaults filled in. `language` is "unknown" for upcast v1 events,
 * which never said; inventing one would skew the per-language split.
 */
export interface CostEvent {
  schemaVersion: string;
  eventId: string;
  occurredAt: number;
  requestId: string;
  sessionId: string;
  intent: string;
  modelId: string;
  /** `unattributed` for an invocation log whose metadata does not name one. */
  component: Component | 'unattributed';
  language: Language | 'unknown' | 'unattributed';
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  cacheHit: boolean;
  region: string;
  reportedCostNano: number | null;
  producer: string | null;
  /** The IAM role (or user) that made the call; only invocation logs know it. */
  principal?: string;
}

/** A cost event with its server-side price. */
export interface PricedCostEvent extends CostEvent {
  costNano: number;
  priceTable: string;
}
