import { type CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { CostEventV2 } from '../../functions/core/events/cost-event';
import { decodeCostEvent } from '../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { PROVIDER_METRICS } from '../../functions/core/reconciliation/reconcile';
import { parseDay } from './day';
import { deriveSeed, Prng } from './prng';

const encoder = new TextEncoder();
const HOUR_MS = 3_600_000;

/** What Bedrock metered in one UTC hour for one ModelId (as the caller named the model). */
export interface MeteredHour {
  /** Epoch ms of the hour's start. */
  hourStart: number;
  modelId: string;
  invocations: number;
  input: number;
  output: number;
  cacheRead: number;
  cacheWrite: number;
}

/**
 * A batch job calling Sonnet without emitting cost events, from 10:00 to 12:00 UTC: long documents
 * summarised in a loop. Only the provider's metrics see it. Deterministic for the day, scale and seed.
 */
export function* darkBatchJob(options: { day: string; scale: number; seed: number }): Generator<CostEventV2> {
  const start = parseDay(options.day) + 10 * HOUR_MS;
  const calls = Math.max(1, Math.round(30_000 * options.scale));
  const prng = new Prng(deriveSeed(options.seed, 0xda4c));
  for (let i = 0; i < calls; i += 1) {
    yield {
      schema_version: '2.1',
      event_id: `batch-${options.day}-${i}`,
      occurred_at: start + Math.floor((i * 2 * HOUR_MS) / calls),
      request_id: `batch-${options.day}-${i}`,
      session_id: `batch-job-${options.day}`,
      intent: 'document_summary',
      model_id: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      component: 'summarizer',
      language: 'en',
      input_tokens: prng.int(5_000, 7_000),
      output_tokens: prng.int(600, 1_000),
      region: 'us-east-1',
    };
  }
}

const asObject = (line: unknown): Record<string, unknown> | undefined =>
  typeof line === 'object' && line !== null ? (line as Record<string, unknown>) : undefined;

/**
 * What Bedrock meters for a scenario: every distinct valid call the lines describe (a producer
 * duplicate is one call; a line the consumer must quarantine is a producer bug, not a call) plus the
 * calls nobody reported, per UTC hour and ModelId as the caller named it (a profile id stays one).
 */
export const meteredUsage = (
  lines: Iterable<unknown>,
  unreported: Iterable<CostEventV2> = [],
): MeteredHour[] => {
  const hours = new Map<string, MeteredHour>();
  const seen = new Set<string>();
  const add = (
    modelId: string,
    occurredAt: number,
    tokens: Omit<MeteredHour, 'hourStart' | 'modelId' | 'invocations'>,
  ) => {
    const hourStart = Math.floor(occurredAt / HOUR_MS) * HOUR_MS;
    const key = `${hourStart}|${modelId}`;
    const hour = hours.get(key) ?? {
      hourStart,
      modelId,
      invocations: 0,
      input: 0,
      output: 0,
      cacheRead: 0,
      cacheWrite: 0,
    };
    hour.invocations += 1;
    hour.input += tokens.input;
    hour.output += tokens.output;
    hour.cacheRead += tokens.cacheRead;
    hour.cacheWrite += tokens.cacheWrite;
    hours.set(key, hour);
  };
  for (const line of lines) {
    const decoded = decodeCostEvent(
      encoder.encode(typeof line === 'string' ? line : JSON.stringify(line)),
      DEFAULT_PRICE_TABLE,
    );
    if (!decoded.ok) continue;
    const { event } = decoded;
    const id = `${event.sessionId}|${event.eventId}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const raw = asObject(line)?.model_id;
    add(typeof raw === 'string' ? raw : event.modelId, event.occurredAt, {
      input: event.inputTokens,
      output: event.outputTokens,
      cacheRead: event.cacheReadTokens,
      cacheWrite: event.cacheWriteTokens + event.cacheWrite1hTokens,
    });
  }
  for (const call of unreported) {
    add(call.model_id, call.occurred_at, {
      input: call.input_tokens,
      output: call.output_tokens,
      cacheRead: call.cache_read_tokens ?? 0,
      cacheWrite: (call.cache_write_tokens ?? 0) + (call.cache_write_1h_tokens ?? 0),
    });
  }
  return [...hours.values()].sort((a, b) => a.hourStart - b.hourStart || a.modelId.localeCompare(b.modelId));
};

/** One datum per metric and hour: a statistic set, as a service that aggregates before it publishes. */
const datumsOf = (hour: MeteredHour): MetricDatum[] => {
  const values: [string, number][] = [
    ['Invocations', hour.invocations],
    [PROVIDER_METRICS.input, hour.input],
    [PROVIDER_METRICS.output, hour.output],
    [PROVIDER_METRICS.cacheRead, hour.cacheRead],
    [PROVIDER_METRICS.cacheWrite, hour.cacheWrite],
  ];
  return values.map(([name, sum]) => ({
    MetricName: name,
    Dimensions: [{ Name: 'ModelId', Value: hour.modelId }],
    // Mid-hour, so the datum falls in its hour whatever the period's alignment.
    Timestamp: new Date(hour.hourStart + HOUR_MS / 2),
    StatisticValues: { SampleCount: hour.invocations, Sum: sum, Minimum: 0, Maximum: sum },
    Unit: 'Count',
  }));
};

/** Publishes what Bedrock metered to CloudWatch's AWS/Bedrock namespace with PutMetricData, as Bedrock would. */
export const publishMetered = async (
  client: CloudWatchClient,
  hours: readonly MeteredHour[],
): Promise<number> => {
  const datums = hours.flatMap(datumsOf);
  for (let i = 0; i < datums.length; i += 1_000) {
    await client.send(
      new PutMetricDataCommand({ Namespace: 'AWS/Bedrock', MetricData: datums.slice(i, i + 1_000) }),
    );
  }
  return datums.length;
};
