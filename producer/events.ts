/**
 * The cost event shapes this library emits, as TypeScript types. The JSON Schemas under schemas/
 * are the contract and the consumer validates against them; these types only help producers
 * written in TypeScript build the right fields.
 */

export type Language = 'en' | 'ja' | 'mixed';

/** v1: the orchestrator's legacy per-request log line. It has no version field. */
export interface CostEventV1 {
  timestamp: string;
  request_id: string;
  session_id: string;
  intent: string;
  model_id: string;
  input_tokens: number;
  output_tokens: number;
  cache_hit: boolean;
  latency_ms: number;
  input_cost_usd: number;
  output_cost_usd: number;
  total_cost_usd: number;
  region: string;
  hour_of_day: number;
}

export interface CostEventV2 {
  schema_version: '2.0';
  /** The idempotency key: a producer's retry must resend the same id. */
  event_id: string;
  /** Epoch milliseconds. */
  occurred_at: number;
  request_id: string;
  session_id: string;
  intent: string;
  model_id: string;
  component: string;
  language: Language;
  /** Uncached input tokens; cache reads and writes are counted in their own fields, not here. */
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  /** Prompt-cache writes of the 1-hour tier; optional, left out when zero. */
  cache_write_1h_tokens?: number;
  /** An application-level cache answered; no model call was made. */
  cache_hit: boolean;
  region: string;
  latency_ms: number;
  /** The producer's own cost estimate; the consumer prices events itself and flags a mismatch. */
  reported_cost_usd?: number;
  price_table: string;
  producer: string;
}

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  /** 5-minute tier. */
  cacheWriteTokens: number;
  cacheWrite1hTokens?: number;
}
