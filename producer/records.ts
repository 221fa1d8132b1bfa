import { createHash } from 'node:crypto';

/**
 * What a producer accepts: a cost event as a plain object (serialised with JSON.stringify), or a
 * line that is already serialised (sent byte for byte, so a malformed line reaches the consumer's
 * quarantine exactly as it was written).
 */
export type CostEventInput = object | string;

/** A record that already holds several serialised events (see pack.ts), sent as it is. */
export interface PackedRecord {
  packed: Uint8Array;
  partitionKey: string;
  events: number;
}

export const isPackedRecord = (value: unknown): value is PackedRecord =>
  typeof value === 'object' && value !== null && (value as { packed?: unknown }).packed instanceof Uint8Array;

/** Kinesis PutRecords limits; the defaults are the service's standard stream limits. */
export interface RecordLimits {
  /** Records per PutRecords request. */
  maxRecordsPerRequest: number;
  /** Bytes per request, counting every record's data and partition key. */
  maxRequestBytes: number;
  /** Bytes per record, data plus partition key. */
  maxRecordBytes: number;
}

export const MiB = 1024 * 1024;

export const DEFAULT_LIMITS: Readonly<RecordLimits> = Object.freeze({
  maxRecordsPerRequest: 500,
  maxRequestBytes: 5 * MiB,
  maxRecordBytes: MiB,
});

/** Kinesis rejects a whole request if any partition key is longer than this. */
export const MAX_PARTITION_KEY_LENGTH = 256;

export interface EncodedRecord {
  data: Uint8Array;
  partitionKey: string;
  /** Data plus partition key bytes: what counts against the record and request limits. */
  size: number;
}

export type EncodeResult = { ok: true; record: EncodedRecord } | { ok: false; reason: string };

/** Reasons a record is rejected before it is ever sent. */
export const REJECT_RECORD_TOO_LARGE = 'record_too_large';
export const REJECT_UNSERIALISABLE = 'unserialisable';

const utf8 = new TextEncoder();

const hashKey = (bytes: Uint8Array | string): string =>
  createHash('sha256').update(bytes).digest('hex').slice(0, 32);

const sessionIdOf = (value: unknown): unknown =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as { session_id?: unknown }).session_id
    : undefined;

/**
 * The session id when it is usable as a key; a hash of it when it is too long for Kinesis, so a
 * session still maps to one key; undefined when there is none.
 */
const keyFromSession = (sessionId: unknown): string | undefined => {
  if (typeof sessionId !== 'string' || sessionId.length === 0) return undefined;
  return sessionId.length <= MAX_PARTITION_KEY_LENGTH ? sessionId : hashKey(sessionId);
};

/** A pre-serialised line only pays for a parse when it can be an object carrying a session id. */
const sessionIdOfLine = (line: string): unknown => {
  if (!line.trimStart().startsWith('{')) return undefined;
  try {
    return sessionIdOf(JSON.parse(line));
  } catch {
    return undefined;
  }
};

/**
 * The partition key of an event: its session_id, so one session's events land on one shard in
 * order; otherwise (a line that is not a JSON object, or an event without a session) a hash of
 * the payload, which spreads such records evenly.
 */
export const partitionKeyOf = (event: CostEventInput, data: Uint8Array): string =>
  keyFromSession(typeof event === 'string' ? sessionIdOfLine(event) : sessionIdOf(event)) ?? hashKey(data);

/** Serialises an event and checks it against the per-record limit. */
export const encodeRecord = (
  event: CostEventInput,
  maxRecordBytes: number,
  customKey?: (event: CostEventInput) => string | undefined,
): EncodeResult => {
  if (isPackedRecord(event)) {
    const size = event.packed.byteLength + Buffer.byteLength(event.partitionKey, 'utf8');
    if (size > maxRecordBytes) return { ok: false, reason: REJECT_RECORD_TOO_LARGE };
    return { ok: true, record: { data: event.packed, partitionKey: event.partitionKey, size } };
  }
  let data: Uint8Array;
  try {
    const text = typeof event === 'string' ? event : JSON.stringify(event);
    // JSON.stringify returns undefined for values it cannot represent (a function, a symbol).
    if (typeof text !== 'string') return { ok: false, reason: REJECT_UNSERIALISABLE };
    data = utf8.encode(text);
  } catch {
    // A circular structure or a BigInt: the event can never be sent, so it is counted, not thrown.
    return { ok: false, reason: REJECT_UNSERIALISABLE };
  }
  const partitionKey = keyFromSession(customKey?.(event)) ?? partitionKeyOf(event, data);
  const size = data.byteLength + Buffer.byteLength(partitionKey, 'utf8');
  if (size > maxRecordBytes) return { ok: false, reason: REJECT_RECORD_TOO_LARGE };
  return { ok: true, record: { data, partitionKey, size } };
};

/** FNV-1a: a cheap, stable spread of partition keys over the producer's send lanes. */
export const laneOf = (partitionKey: string, lanes: number): number => {
  let hash = 0x811c9dc5;
  for (let i = 0; i < partitionKey.length; i++) {
    hash ^= partitionKey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
};
