import { gzipSync } from 'node:zlib';
import type { CostEventV2 } from '../../functions/core/events/cost-event';
import { decodeCostEvent } from '../../functions/core/events/decode';
import type { ModelInvocationLog } from '../../functions/core/events/invocation-log';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import type { PackedRecord } from '../../producer/records';

/** Where the rendered logs claim to come from: Bedrock's log group in one account. */
export interface LogOrigin {
  accountId: string;
  roleArn: string;
  logGroup: string;
  logStream: string;
  subscriptionFilter: string;
}

export const DEFAULT_LOG_ORIGIN: LogOrigin = {
  accountId: '123456789012',
  roleArn: 'arn:aws:sts::123456789012:assumed-role/chatbot-orchestrator/i-0abc123',
  logGroup: '/aws/bedrock/modelinvocations',
  logStream: 'aws/bedrock/modelinvocations',
  subscriptionFilter: 'ccb-cost-events',
};

/** A marker in every rendered prompt and response: tests look for it wherever data is kept. */
export const BODY_MARKER = 'BODY-TEXT-NEVER-STORED';

/**
 * The invocation log Bedrock would write for a call a producer described as `event` (Converse, text
 * logging on): the same tokens, the attribution in requestMetadata, and bodies. Cache writes carry their
 * TTL split in the response's usage.cacheDetails, as Converse reports it.
 */
export const toInvocationLog = (
  event: CostEventV2,
  origin: LogOrigin = DEFAULT_LOG_ORIGIN,
): ModelInvocationLog => {
  const fiveMinute = event.cache_write_tokens ?? 0;
  const oneHour = event.cache_write_1h_tokens ?? 0;
  const cacheDetails = [
    ...(fiveMinute > 0 ? [{ inputTokens: fiveMinute, ttl: '5m' as const }] : []),
    ...(oneHour > 0 ? [{ inputTokens: oneHour, ttl: '1h' as const }] : []),
  ];
  const log = {
    schemaVersion: '1.0' as const,
    timestamp: new Date(event.occurred_at).toISOString(),
    accountId: origin.accountId,
    identity: { arn: origin.roleArn },
    region: event.region,
    inferenceRegion: event.region,
    requestId: event.event_id,
    operation: 'Converse',
    modelId: event.model_id,
    input: {
      inputContentType: 'application/json',
      inputBodyJson: { messages: [{ role: 'user', content: [{ text: `${BODY_MARKER} prompt` }] }] },
      inputTokenCount: event.input_tokens,
      cacheReadInputTokenCount: event.cache_read_tokens ?? 0,
      cacheWriteInputTokenCount: fiveMinute + oneHour,
    },
    output: {
      outputContentType: 'application/json',
      outputBodyJson: {
        output: { message: { role: 'assistant', content: [{ text: `${BODY_MARKER} answer` }] } },
        usage: {
          inputTokens: event.input_tokens,
          outputTokens: event.output_tokens,
          ...(cacheDetails.length > 0 ? { cacheDetails } : {}),
        },
      },
      outputTokenCount: event.output_tokens,
    },
    requestMetadata: {
      intent: event.intent,
      session_id: event.session_id,
      component: event.component,
      language: event.language,
    },
  };
  return log;
};

/** A CloudWatch Logs subscription record (gzip JSON) carrying the given log messages. */
export const dataMessageRecord = (
  messages: readonly string[],
  firstTimestamp: number,
  origin: LogOrigin = DEFAULT_LOG_ORIGIN,
): Uint8Array =>
  gzipSync(
    JSON.stringify({
      messageType: 'DATA_MESSAGE',
      owner: origin.accountId,
      logGroup: origin.logGroup,
      logStream: origin.logStream,
      subscriptionFilters: [origin.subscriptionFilter],
      logEvents: messages.map((message, i) => ({
        id: `${String(firstTimestamp).padStart(20, '0')}${String(i).padStart(36, '0')}`,
        timestamp: firstTimestamp,
        message,
      })),
    }),
  );

/** The health check CloudWatch Logs sends when a subscription is created. */
export const controlMessageRecord = (origin: LogOrigin = DEFAULT_LOG_ORIGIN): Uint8Array =>
  gzipSync(
    JSON.stringify({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
      subscriptionFilters: [],
      logEvents: [
        {
          id: '',
          timestamp: Date.parse('2025-03-15T00:00:00Z'),
          message: `CWL CONTROL MESSAGE: Checking health of destination Kinesis stream for ${origin.subscriptionFilter}.`,
        },
      ],
    }),
  );

export interface SubscriptionRecordOptions {
  /** Log events per envelope. Default 50 (CloudWatch Logs batches what arrived within a moment). */
  perEnvelope?: number;
  /** Every n-th envelope is delivered a second time, under another partition key. Default: never. */
  redeliverEvery?: number;
  origin?: LogOrigin;
}

/** A scenario line as the call Bedrock logged: a valid event as its invocation log, anything else as it is. */
const messageOf = (line: unknown): string => {
  const decoded = decodeCostEvent(
    new TextEncoder().encode(typeof line === 'string' ? line : JSON.stringify(line)),
    DEFAULT_PRICE_TABLE,
  );
  if (!decoded.ok) return typeof line === 'string' ? line : JSON.stringify(line);
  const { event } = decoded;
  const raw = (line as { model_id?: unknown }).model_id;
  return JSON.stringify(
    toInvocationLog({
      schema_version: '2.1',
      event_id: event.eventId,
      occurred_at: event.occurredAt,
      request_id: event.requestId,
      session_id: event.sessionId,
      intent: event.intent,
      model_id: typeof raw === 'string' ? raw : event.modelId,
      component: event.component as CostEventV2['component'],
      language: event.language as CostEventV2['language'],
      input_tokens: event.inputTokens,
      output_tokens: event.outputTokens,
      cache_read_tokens: event.cacheReadTokens,
      cache_write_tokens: event.cacheWriteTokens,
      cache_write_1h_tokens: event.cacheWrite1hTokens,
      region: event.region,
    }),
  );
};

/**
 * Scenario lines as the records a CloudWatch Logs subscription puts on the stream: a control message
 * first, then gzip envelopes of log events under partition keys of their own (CloudWatch Logs picks
 * them, so an envelope lands on any shard), some delivered twice. For the producer library's putMany.
 */
export function* asSubscriptionRecords(
  lines: Iterable<unknown>,
  options: SubscriptionRecordOptions = {},
): Generator<PackedRecord> {
  const perEnvelope = options.perEnvelope ?? 50;
  const origin = options.origin ?? DEFAULT_LOG_ORIGIN;
  yield { packed: controlMessageRecord(origin), partitionKey: 'cwl-control', events: 0 };
  let batch: string[] = [];
  let firstAt = 0;
  let envelopes = 0;
  const close = function* (): Generator<PackedRecord> {
    const packed = dataMessageRecord(batch, firstAt, origin);
    envelopes += 1;
    yield { packed, partitionKey: `cwl-${envelopes}`, events: batch.length };
    if (options.redeliverEvery !== undefined && envelopes % options.redeliverEvery === 0) {
      yield { packed, partitionKey: `cwl-${envelopes}-again`, events: batch.length };
    }
    batch = [];
  };
  for (const line of lines) {
    if (batch.length === 0) {
      const at = (line as { occurred_at?: unknown } | null)?.occurred_at;
      firstAt = typeof at === 'number' ? at : Date.now();
    }
    batch.push(messageOf(line));
    if (batch.length === perEnvelope) yield* close();
  }
  if (batch.length > 0) yield* close();
}
