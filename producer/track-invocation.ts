import { randomUUID } from 'node:crypto';
import type { Component } from '../functions/core/events/cost-event';
import type { CostEventV2, Language, TokenUsage } from './events';
import { PRODUCER_PRICE_TABLE, reportedCostUsd } from './pricing';
import type { CostEventProducer } from './producer';

/** What the caller knows before the call; the helper adds ids, time, tokens and cost. */
export interface InvocationFields {
  request_id: string;
  session_id: string;
  intent: string;
  model_id: string;
  language: Language;
  region: string;
  /** Name and version of the emitting service, e.g. `orchestrator@1.0.0`. */
  producer: string;
  /** Default `llm`. */
  component?: Component;
  /** Default false: an application cache hit normally skips the model and this helper. */
  cache_hit?: boolean;
  /** Default the version of the library's own price table. */
  price_table?: string;
}

/** Collects token usage while a (streamed) model call runs. */
export interface UsageRecorder {
  /**
   * Sets cumulative counts as the model reports them (Bedrock `message_start`, `message_delta`,
   * the ConverseStream `metadata` event); fields left out keep their value.
   */
  record(usage: Partial<TokenUsage>): void;
  /** Adds output tokens when only per-chunk counts are known. */
  addOutputTokens(count: number): void;
  readonly usage: Readonly<TokenUsage>;
}

export interface TrackInvocationOptions {
  /** Epoch milliseconds. Default Date.now. */
  now?: () => number;
  /** Default a random UUID. */
  eventId?: () => string;
  /** Default the library's price table and the event's region; undefined leaves reported_cost_usd out. */
  price?: (modelId: string, usage: TokenUsage) => number | undefined;
}

const tokenCount = (value: number | undefined): number | undefined =>
  value !== undefined && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;

const TOKEN_FIELDS = [
  'inputTokens',
  'outputTokens',
  'cacheReadTokens',
  'cacheWriteTokens',
  'cacheWrite1hTokens',
] as const;

class Recorder implements UsageRecorder {
  readonly usage: Required<TokenUsage> = {
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };

  record(usage: Partial<TokenUsage>): void {
    for (const field of TOKEN_FIELDS) {
      const count = tokenCount(usage[field]);
      if (count !== undefined) this.usage[field] = count;
    }
  }

  addOutputTokens(count: number): void {
    this.usage.outputTokens += tokenCount(count) ?? 0;
  }
}

/**
 * Runs a model call and always emits its v2 cost event afterwards, from a `finally` block: a
 * stream the client aborted, or a call that threw half way, is still billed for the tokens it
 * used, so the event carries whatever usage was recorded up to that point. The call's result or
 * error passes through unchanged.
 *
 * @example
 * const answer = await trackInvocation(producer, fields, async (usage) => {
 *   for await (const chunk of stream) {
 *     if (chunk.metadata?.usage) usage.record({ inputTokens: chunk.metadata.usage.inputTokens, ... });
 *     ...
 *   }
 * });
 */
export const trackInvocation = async <T>(
  producer: Pick<CostEventProducer, 'put'>,
  fields: InvocationFields,
  call: (usage: UsageRecorder) => Promise<T>,
  options: TrackInvocationOptions = {},
): Promise<T> => {
  const now = options.now ?? Date.now;
  const startedAt = now();
  const recorder = new Recorder();
  try {
    return await call(recorder);
  } finally {
    const endedAt = now();
    const usage = { ...recorder.usage };
    const cost = options.price
      ? options.price(fields.model_id, usage)
      : reportedCostUsd(fields.model_id, usage, endedAt, fields.region);
    const event: CostEventV2 = {
      schema_version: '2.0',
      event_id: (options.eventId ?? randomUUID)(),
      occurred_at: endedAt,
      request_id: fields.request_id,
      session_id: fields.session_id,
      intent: fields.intent,
      model_id: fields.model_id,
      component: fields.component ?? 'llm',
      language: fields.language,
      input_tokens: usage.inputTokens,
      output_tokens: usage.outputTokens,
      cache_read_tokens: usage.cacheReadTokens,
      cache_write_tokens: usage.cacheWriteTokens,
      ...(usage.cacheWrite1hTokens > 0 ? { cache_write_1h_tokens: usage.cacheWrite1hTokens } : {}),
      cache_hit: fields.cache_hit ?? false,
      region: fields.region,
      latency_ms: Math.max(0, Math.round(endedAt - startedAt)),
      ...(cost === undefined ? {} : { reported_cost_usd: cost }),
      price_table: fields.price_table ?? PRODUCER_PRICE_TABLE.version,
      producer: fields.producer,
    };
    await producer.put(event);
  }
};
