import { gzipSync } from 'node:zlib';
import type { CostEventV2 } from '../../functions/core/events/cost-event';
import type { ModelInvocationLog } from '../../functions/core/events/invocation-log';

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
