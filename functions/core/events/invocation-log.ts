import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { canonicalModelId, type PriceTable, priceEvent } from '../pricing/price-table';
import type { Component, CostEvent, Language, PricedCostEvent } from './cost-event';
import type { DecodeResult } from './decode';
import { validateInvocationLog } from './invocation-log-validator.generated';
import type { ModelInvocationLog } from './model-invocation-log.v1.generated';
import { MAX_DECOMPRESSED_BYTES } from './record-payloads';
import { schemaErrorMessage } from './schema-errors';
import { OCCURRED_AT_RANGE, V2_ENUMS, V2_PATTERNS } from './validators.generated';

export type { ModelInvocationLog } from './model-invocation-log.v1.generated';

/** Which requestMetadata keys carry the attribution; callers name them per stage. */
export interface AttributionKeys {
  intent: string;
  session: string;
  component: string;
  language: string;
}

export const DEFAULT_ATTRIBUTION_KEYS: AttributionKeys = {
  intent: 'intent',
  session: 'session_id',
  component: 'component',
  language: 'language',
};

/** What a call is attributed to when its metadata does not say, or says something the contract rejects. */
export const UNATTRIBUTED = 'unattributed';

/** Marks events from this source in the archive and the quarantine (fits the warehouse's 16 characters). */
export const INVOCATION_LOG_SCHEMA = 'invocation-1.0';

/**
 * A CloudWatch Logs subscription record: gzip JSON. Control messages are the subscription's health
 * checks; `not_an_envelope` is a record someone else put on the stream (a producer's cost events).
 */
export type SubscriptionRecord =
  | { kind: 'data'; messages: string[] }
  | { kind: 'control' }
  | { kind: 'not_an_envelope' }
  | { kind: 'undecodable'; detail: string };

interface Envelope {
  messageType?: unknown;
  logEvents?: unknown;
}

const isGzip = (data: Uint8Array): boolean => data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Opens a subscription record. CloudWatch Logs always gzips and always writes `messageType` first, so
 * a record that inflates to something else is not ours to read, and a record that does not inflate is.
 */
export const openSubscriptionRecord = (data: Uint8Array): SubscriptionRecord => {
  if (!isGzip(data)) return { kind: 'not_an_envelope' };
  let text: string;
  try {
    text = gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES }).toString('utf8');
  } catch (error) {
    return { kind: 'undecodable', detail: `gzip: ${(error as Error).message.slice(0, 160)}` };
  }
  if (!text.startsWith('{"messageType"')) return { kind: 'not_an_envelope' };
  let envelope: Envelope;
  try {
    envelope = JSON.parse(text) as Envelope;
  } catch (error) {
    return { kind: 'undecodable', detail: `envelope: ${(error as Error).message.slice(0, 160)}` };
  }
  if (envelope.messageType === 'CONTROL_MESSAGE') return { kind: 'control' };
  if (envelope.messageType !== 'DATA_MESSAGE' || !Array.isArray(envelope.logEvents)) {
    return { kind: 'undecodable', detail: `messageType ${String(envelope.messageType).slice(0, 40)}` };
  }
  const messages = envelope.logEvents.map((logEvent: unknown) =>
    isObject(logEvent) && typeof logEvent.message === 'string' ? logEvent.message : '',
  );
  return { kind: 'data', messages };
};

const LABEL = new RegExp(V2_PATTERNS.label);
const IDENTIFIER = new RegExp(V2_PATTERNS.identifier);
const COMPONENTS = new Set<string>(V2_ENUMS.component);
const LANGUAGES = new Set<string>(V2_ENUMS.language);
// IAM role and user names: 1-64 of these characters. Anything else is not a name we can trust as a key.
const IAM_NAME = /^[A-Za-z0-9+=,.@_-]{1,64}$/;

// requestMetadata's values are whatever the caller sent: only a string can be a label.
const label = (value: unknown, max: number, pattern: RegExp): string =>
  typeof value === 'string' && value.length <= max && pattern.test(value) ? value : UNATTRIBUTED;

const oneOf = <T extends string>(value: unknown, allowed: ReadonlySet<string>): T | typeof UNATTRIBUTED =>
  typeof value === 'string' && allowed.has(value) ? (value as T) : UNATTRIBUTED;

/**
 * The role behind a call, without the session part: `assumed-role/<role>/<session>` and
 * `role/<path>/<role>` give the role name, `user/<path>/<name>` the user name.
 */
export const principalOf = (arn: string | undefined): string => {
  if (arn === undefined) return UNATTRIBUTED;
  const resource = arn.split(':').slice(5).join(':');
  const parts = resource.split('/');
  const name = parts[0] === 'assumed-role' ? parts[1] : parts[parts.length - 1];
  return name !== undefined && IAM_NAME.test(name) ? name : UNATTRIBUTED;
};

/**
 * Cache writes by TTL. The log's count has no split; the response's usage.cacheDetails has it when
 * present. Tokens the details do not account for are priced at the 1-hour rate, the dearer one.
 */
const cacheWrites = (log: ModelInvocationLog): { fiveMinute: number; oneHour: number } => {
  const total = log.input.cacheWriteInputTokenCount ?? 0;
  let fiveMinute = 0;
  for (const detail of log.output?.outputBodyJson?.usage?.cacheDetails ?? []) {
    if (detail.ttl === '5m') fiveMinute += detail.inputTokens;
  }
  fiveMinute = Math.min(fiveMinute, total);
  return { fiveMinute, oneHour: total - fiveMinute };
};

/**
 * The cost event of one invocation log. Token semantics follow Bedrock's for Anthropic models (the
 * ones priced today): inputTokenCount excludes cache reads and writes, as Converse's usage does.
 */
export const costEventOfLog = (
  log: ModelInvocationLog,
  occurredAt: number,
  keys: AttributionKeys,
): CostEvent => {
  const metadata = log.requestMetadata ?? {};
  const writes = cacheWrites(log);
  return {
    schemaVersion: INVOCATION_LOG_SCHEMA,
    eventId: log.requestId,
    occurredAt,
    requestId: log.requestId,
    sessionId: label(metadata[keys.session], 64, IDENTIFIER),
    intent: label(metadata[keys.intent], 40, LABEL),
    modelId: canonicalModelId(log.modelId),
    component: oneOf<Component>(metadata[keys.component], COMPONENTS),
    language: oneOf<Language>(metadata[keys.language], LANGUAGES),
    inputTokens: log.input.inputTokenCount,
    outputTokens: log.output?.outputTokenCount ?? 0,
    cacheReadTokens: log.input.cacheReadInputTokenCount ?? 0,
    cacheWriteTokens: writes.fiveMinute,
    cacheWrite1hTokens: writes.oneHour,
    cacheHit: false,
    region: log.region,
    reportedCostNano: null,
    producer: null,
    principal: principalOf(log.identity?.arn),
  };
};

const READ_FIELDS = [
  'schemaVersion',
  'timestamp',
  'accountId',
  'identity',
  'region',
  'inferenceRegion',
  'requestId',
  'operation',
  'modelId',
  'requestMetadata',
] as const;

/**
 * What the quarantine keeps of an unreadable log event: the fields we read, never a body. A message
 * that is not even JSON is kept as its size and SHA-256 only, since it may be all prompt.
 */
export const redactedCopy = (message: string): Uint8Array => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch {
    parsed = undefined;
  }
  if (!isObject(parsed)) {
    const sha256 = createHash('sha256').update(message).digest('hex');
    return Buffer.from(JSON.stringify({ unreadable_bytes: Buffer.byteLength(message), sha256 }));
  }
  const kept: Record<string, unknown> = {};
  for (const field of READ_FIELDS) if (field in parsed) kept[field] = parsed[field];
  const input = isObject(parsed.input) ? parsed.input : {};
  const output = isObject(parsed.output) ? parsed.output : {};
  kept.input = {
    inputTokenCount: input.inputTokenCount,
    cacheReadInputTokenCount: input.cacheReadInputTokenCount,
    cacheWriteInputTokenCount: input.cacheWriteInputTokenCount,
  };
  kept.output = { outputTokenCount: output.outputTokenCount };
  return Buffer.from(JSON.stringify(kept));
};

const MIN_OCCURRED_AT = OCCURRED_AT_RANGE.minimum;
const MAX_OCCURRED_AT = OCCURRED_AT_RANGE.maximum;

/**
 * One log event's message as a priced cost event, or why it must be quarantined. Pure. Bodies are
 * parsed (they are in the same JSON) but nothing of them but usage.cacheDetails reaches the event.
 */
export const decodeInvocationLog = (
  message: string,
  keys: AttributionKeys,
  prices: PriceTable,
): DecodeResult => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message);
  } catch (error) {
    return {
      ok: false,
      reason: 'malformed_json',
      detail: (error as Error).message.slice(0, 200),
      schemaVersion: null,
    };
  }
  if (!isObject(parsed)) {
    return {
      ok: false,
      reason: 'not_an_object',
      detail: 'a log event is a JSON object',
      schemaVersion: null,
    };
  }
  if (parsed.schemaVersion !== '1.0') {
    return {
      ok: false,
      reason: 'unsupported_schema_version',
      detail: `schemaVersion ${JSON.stringify(parsed.schemaVersion)?.slice(0, 20)}`,
      schemaVersion: null,
    };
  }
  if (!validateInvocationLog(parsed)) {
    const error = validateInvocationLog.errors?.[0];
    return {
      ok: false,
      reason: 'schema_violation',
      detail:
        `${error?.instancePath || '/'} ${error === undefined ? 'is invalid' : schemaErrorMessage(error)}`.trim(),
      schemaVersion: INVOCATION_LOG_SCHEMA,
    };
  }
  const occurredAt = Date.parse(parsed.timestamp);
  if (Number.isNaN(occurredAt) || occurredAt < MIN_OCCURRED_AT || occurredAt >= MAX_OCCURRED_AT) {
    return {
      ok: false,
      reason: 'invalid_timestamp',
      detail: `timestamp ${parsed.timestamp}`,
      schemaVersion: INVOCATION_LOG_SCHEMA,
    };
  }
  const event = costEventOfLog(parsed, occurredAt, keys);
  // Never dropped for its price, as for producer events: an unknown model or region counts at a ceiling.
  const price = priceEvent(event, prices);
  if (price.model !== event.modelId) event.modelId = price.model;
  const priced = event as PricedCostEvent;
  priced.costNano = price.costNano;
  priced.priceTable = prices.version;
  priced.estimated = price.estimated;
  priced.estimateReason = price.reason;
  priced.droppedFields = 0;
  return { ok: true, event: priced };
};
