import type { ErrorObject } from 'ajv';
import { type PriceTable, priceEvent } from '../pricing/price-table';
import type { CostEvent, PricedCostEvent } from './cost-event';
import { schemaErrorMessage } from './schema-errors';
import { fromV2, upcastV1 } from './upcast';
import { OCCURRED_AT_RANGE, V2_FIELDS, validateV1, validateV2 } from './validators.generated';

/** Machine-readable reasons an event is quarantined instead of counted. */
export type QuarantineReason =
  | 'undecodable_record'
  | 'record_too_large'
  | 'malformed_json'
  | 'not_an_object'
  | 'unsupported_schema_version'
  | 'unknown_field'
  | 'oversize_field'
  | 'schema_violation'
  | 'invalid_timestamp';

export type DecodeResult =
  | { ok: true; event: PricedCostEvent }
  | { ok: false; reason: QuarantineReason; detail: string; schemaVersion: string | null };

/** Far above any valid event (about 1 KB); checked before parsing so a huge record costs nothing. */
export const MAX_EVENT_BYTES = 16 * 1024;

// Compiled from the schemas at build time (scripts/build/compile-validators.ts): the bundle carries two
// small functions instead of the ajv compiler. Patterns are anchored character classes: linear time,
// no ReDoS on untrusted input.
const decoder = new TextDecoder('utf-8', { fatal: false });

const MIN_OCCURRED_AT = OCCURRED_AT_RANGE.minimum;
const MAX_OCCURRED_AT = OCCURRED_AT_RANGE.maximum;

/**
 * The newest 2.x minor this consumer knows (tests/fixtures/contract/ holds a sample of each). A newer
 * minor only adds optional fields: those are dropped and the event counts, so a producer upgrading its
 * minor never blinds the breaker. At a known minor an unknown field is a producer bug: quarantined.
 */
export const CURRENT_V2_MINOR = 1;
const KNOWN_V2_FIELDS: ReadonlySet<string> = new Set(V2_FIELDS);

const minorOf = (version: string): number => Number(version.slice(version.indexOf('.') + 1));

/** Removes the fields a newer minor added (never stored: they may hold anything); returns how many. */
const dropNewerFields = (event: Record<string, unknown>): number => {
  let dropped = 0;
  for (const key of Object.keys(event)) {
    if (!KNOWN_V2_FIELDS.has(key)) {
      delete event[key];
      dropped += 1;
    }
  }
  return dropped;
};

const schemaFailure = (
  errors: ErrorObject[] | null | undefined,
  schemaVersion: string,
): Extract<DecodeResult, { ok: false }> => {
  const error = errors?.[0];
  const path = error?.instancePath || '/';
  if (error?.keyword === 'additionalProperties') {
    const field = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    return { ok: false, reason: 'unknown_field', detail: `unknown field "${field}"`, schemaVersion };
  }
  if (error?.keyword === 'maxLength') {
    return {
      ok: false,
      reason: 'oversize_field',
      detail: `${path} ${schemaErrorMessage(error)}`.trim(),
      schemaVersion,
    };
  }
  return {
    ok: false,
    reason: 'schema_violation',
    detail: `${path} ${error === undefined ? 'is invalid' : schemaErrorMessage(error)}`.trim(),
    schemaVersion,
  };
};

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Turns one stream record into a priced cost event, or says why it must be quarantined.
 * Pure: the same bytes and price table always give the same answer.
 */
export const decodeCostEvent = (data: Uint8Array, prices: PriceTable): DecodeResult => {
  if (data.byteLength > MAX_EVENT_BYTES) {
    return {
      ok: false,
      reason: 'record_too_large',
      detail: `${data.byteLength} bytes > ${MAX_EVENT_BYTES}`,
      schemaVersion: null,
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoder.decode(data));
  } catch (error) {
    return {
      ok: false,
      reason: 'malformed_json',
      detail: (error as Error).message.slice(0, 200),
      schemaVersion: null,
    };
  }
  if (!isPlainObject(parsed)) {
    return {
      ok: false,
      reason: 'not_an_object',
      detail: 'a cost event is a JSON object',
      schemaVersion: null,
    };
  }

  const version = parsed.schema_version;
  let event: CostEvent;
  let droppedFields = 0;
  if (version === undefined) {
    if (!validateV1(parsed)) return schemaFailure(validateV1.errors, '1');
    const occurredAt = Date.parse(parsed.timestamp);
    if (Number.isNaN(occurredAt) || occurredAt < MIN_OCCURRED_AT || occurredAt >= MAX_OCCURRED_AT) {
      return {
        ok: false,
        reason: 'invalid_timestamp',
        detail: `timestamp ${parsed.timestamp}`,
        schemaVersion: '1',
      };
    }
    event = upcastV1(parsed, occurredAt);
  } else {
    const major = typeof version === 'string' ? version.split('.')[0] : undefined;
    if (major !== '2') {
      return {
        ok: false,
        reason: 'unsupported_schema_version',
        detail: `schema_version ${JSON.stringify(version).slice(0, 20)}`,
        schemaVersion: typeof version === 'string' ? version.slice(0, 10) : null,
      };
    }
    if (
      version !== '2.0' &&
      version !== '2.1' &&
      typeof version === 'string' &&
      minorOf(version) > CURRENT_V2_MINOR
    )
      droppedFields = dropNewerFields(parsed);
    if (!validateV2(parsed)) return schemaFailure(validateV2.errors, String(version));
    event = fromV2(parsed);
  }

  // Never dropped for its price: what the catalog cannot price exactly counts at a ceiling, estimated.
  const price = priceEvent(event, prices);
  if (price.model !== event.modelId) event.modelId = price.model;
  // Completes the event in place: this runs for every record, and copies cost more than the work.
  const priced = event as PricedCostEvent;
  priced.costNano = price.costNano;
  priced.priceTable = prices.version;
  priced.estimated = price.estimated;
  priced.estimateReason = price.reason;
  priced.droppedFields = droppedFields;
  return { ok: true, event: priced };
};
