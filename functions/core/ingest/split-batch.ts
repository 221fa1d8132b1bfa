import { createHash } from 'node:crypto';
import { decodeCostEvent } from '../events/decode';
import {
  type AttributionKeys,
  DEFAULT_ATTRIBUTION_KEYS,
  decodeInvocationLog,
  INVOCATION_LOG_SCHEMA,
  openSubscriptionRecord,
  redactedCopy,
} from '../events/invocation-log';
import { eventPosition, splitRecord } from '../events/record-payloads';
import type { PriceTable } from '../pricing/price-table';
import type { Positioned, Quarantinable, StreamRecord } from './batch-model';

/**
 * Where a stage's spend comes from: producers' cost events, or Bedrock's model invocation logs through a
 * CloudWatch Logs subscription. Exactly one counts, so a call is never counted twice; records of the
 * other source on the stream are skipped, not quarantined.
 */
export type SpendSource = 'producer' | 'invocation-logs';

export const SPEND_SOURCES: readonly SpendSource[] = ['producer', 'invocation-logs'];

export interface SplitOptions {
  source?: SpendSource;
  attributionKeys?: AttributionKeys;
}

export interface SplitBatch {
  valid: Positioned[];
  invalid: Quarantinable[];
  /** Subscription control messages, and valid events of the source this stage does not count. */
  skipped: number;
}

// CloudWatch Logs writes messageType first; a producer event never starts with it.
const ENVELOPE_START = Buffer.from('{"messageType"');
const startsWithEnvelope = (data: Uint8Array): boolean =>
  data.length >= ENVELOPE_START.length && ENVELOPE_START.every((byte, i) => data[i] === byte);

// An unreadable subscription record may hold prompts and responses: keep its size and hash, not its bytes.
const fingerprint = (data: Uint8Array): Uint8Array =>
  Buffer.from(
    JSON.stringify({
      unreadable_bytes: data.byteLength,
      sha256: createHash('sha256').update(data).digest('hex'),
    }),
  );

const splitProducerRecord = (record: StreamRecord, prices: PriceTable, out: SplitBatch, count: boolean) => {
  const payloads = splitRecord(record.data);
  if (!payloads.ok) {
    const { reason, detail } = payloads;
    out.invalid.push({ record, index: 0, data: record.data, reason, detail, version: null });
    return;
  }
  const [only] = payloads.events;
  if (payloads.events.length === 1 && only !== undefined && startsWithEnvelope(only)) {
    out.skipped += 1;
    return;
  }
  payloads.events.forEach((data, index) => {
    const decoded = decodeCostEvent(data, prices);
    if (!decoded.ok) {
      const { reason, detail, schemaVersion: version } = decoded;
      out.invalid.push({ record, index, data, reason, detail, version });
    } else if (count) {
      out.valid.push({ event: decoded.event, sequence: eventPosition(record.sequenceNumber, index), record });
    } else out.skipped += 1;
  });
};

const splitSubscriptionRecord = (
  record: StreamRecord,
  prices: PriceTable,
  keys: AttributionKeys,
  out: SplitBatch,
) => {
  const opened = openSubscriptionRecord(record.data);
  switch (opened.kind) {
    case 'control':
      out.skipped += 1;
      return;
    case 'not_an_envelope':
      splitProducerRecord(record, prices, out, false);
      return;
    case 'undecodable':
      out.invalid.push({
        record,
        index: 0,
        data: fingerprint(record.data),
        reason: 'undecodable_record',
        detail: opened.detail,
        version: INVOCATION_LOG_SCHEMA,
      });
      return;
    case 'data':
      opened.messages.forEach((message, index) => {
        const decoded = decodeInvocationLog(message, keys, prices);
        if (decoded.ok) {
          out.valid.push({
            event: decoded.event,
            sequence: eventPosition(record.sequenceNumber, index),
            record,
          });
        } else {
          const { reason, detail, schemaVersion: version } = decoded;
          out.invalid.push({ record, index, data: redactedCopy(message), reason, detail, version });
        }
      });
  }
};

/**
 * Splits records into their events and decodes each: valid events of the stage's spend source at their
 * positions, the rest to quarantine. A subscription record's log events are addressed like a packed
 * record's lines, by their index in the envelope.
 */
export const splitBatch = (
  records: readonly StreamRecord[],
  prices: PriceTable,
  options: SplitOptions = {},
): SplitBatch => {
  const out: SplitBatch = { valid: [], invalid: [], skipped: 0 };
  const keys = options.attributionKeys ?? DEFAULT_ATTRIBUTION_KEYS;
  for (const record of records) {
    if (options.source === 'invocation-logs') splitSubscriptionRecord(record, prices, keys, out);
    else splitProducerRecord(record, prices, out, true);
  }
  return out;
};
