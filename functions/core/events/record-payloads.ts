import { gunzipSync } from 'node:zlib';

/**
 * A stream record holds one cost event, or several as NDJSON (one per line), optionally gzip-compressed.
 * Packing events into records (as the KPL does) cuts per-record cost and overhead many times over;
 * producers in any language can still send one plain JSON event per record.
 */
export type RecordPayloads =
  | { ok: true; events: Uint8Array[] }
  | { ok: false; reason: 'undecodable_record'; detail: string };

/** Events in one record are addressed by their index in a fixed-width suffix of the position. */
export const MAX_EVENTS_PER_RECORD = 99_999;
/** Guards against a compression bomb: far above the 1 MiB a Kinesis record can hold uncompressed. */
export const MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024;

const NEWLINE = 0x0a;
const isGzip = (data: Uint8Array): boolean => data.length > 2 && data[0] === 0x1f && data[1] === 0x8b;

export const splitRecord = (data: Uint8Array): RecordPayloads => {
  let text = data;
  if (isGzip(data)) {
    try {
      text = gunzipSync(data, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
    } catch (error) {
      return {
        ok: false,
        reason: 'undecodable_record',
        detail: `gzip: ${(error as Error).message.slice(0, 160)}`,
      };
    }
  }
  if (text.indexOf(NEWLINE) === -1) return { ok: true, events: [text] };
  const events: Uint8Array[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(NEWLINE, start);
    if (end === -1) end = text.length;
    if (end > start) events.push(text.subarray(start, end));
    start = end + 1;
  }
  if (events.length > MAX_EVENTS_PER_RECORD) {
    return {
      ok: false,
      reason: 'undecodable_record',
      detail: `${events.length} events > ${MAX_EVENTS_PER_RECORD}`,
    };
  }
  return { ok: true, events };
};

/**
 * The stream position of the i-th event of a record: its sequence number followed by a 5-digit index.
 * Every position has the suffix, so positions order like (sequence number, index).
 */
export const eventPosition = (sequenceNumber: string, index: number): string =>
  `${sequenceNumber}${String(index).padStart(5, '0')}`;

/** The record an event position belongs to. */
export const recordOfPosition = (position: string): string => position.slice(0, -5);

/** The index within its record of the event at a position. */
export const eventIndexOfPosition = (position: string): number => Number(position.slice(-5));
