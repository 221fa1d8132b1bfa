import { gzipSync } from 'node:zlib';
import { type CostEventInput, type PackedRecord, partitionKeyOf } from './records';

export interface AggregationOptions {
  /** Events per record. Default 500. */
  maxEvents?: number;
  /** Uncompressed bytes per record before it is closed. Default 256 KiB (about 25 KiB gzip-compressed). */
  maxBytes?: number;
  /** Compress each record with gzip. Default true. */
  gzip?: boolean;
}

const utf8 = new TextEncoder();

const serialise = (event: CostEventInput): string | undefined => {
  if (typeof event === 'string') return event;
  try {
    return JSON.stringify(event);
  } catch {
    return undefined;
  }
};

/**
 * Packs events into records of NDJSON, gzip-compressed, as the KPL aggregates records: one PutRecords
 * entry then carries hundreds of events, which cuts PUT payload units, Lambda records and emulator load
 * alike. The consumer reads both packed and single-event records. A record's partition key is its first
 * event's, so it lands on that session's shard; exactly-once does not depend on it.
 */
export async function* aggregateEvents(
  events: Iterable<CostEventInput> | AsyncIterable<CostEventInput>,
  options: AggregationOptions = {},
): AsyncGenerator<PackedRecord | CostEventInput> {
  const maxEvents = options.maxEvents ?? 500;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const gzip = options.gzip ?? true;
  let lines: string[] = [];
  let bytes = 0;
  let firstKey = '';
  const close = (): PackedRecord => {
    const text = lines.join('\n');
    const record = {
      packed: gzip ? gzipSync(text) : utf8.encode(text),
      partitionKey: firstKey,
      events: lines.length,
    };
    lines = [];
    bytes = 0;
    return record;
  };
  for await (const event of events) {
    const line = serialise(event);
    // Something the consumer could not split safely goes alone, for the producer to send or reject.
    if (line === undefined || line.includes('\n')) {
      yield event;
      continue;
    }
    const size = Buffer.byteLength(line) + 1;
    if (lines.length > 0 && (lines.length >= maxEvents || bytes + size > maxBytes)) yield close();
    if (lines.length === 0) firstKey = partitionKeyOf(event, utf8.encode(line));
    lines.push(line);
    bytes += size;
  }
  if (lines.length > 0) yield close();
}
