import { gzipSync } from 'node:zlib';
import { type CostEventInput, laneOf, type PackedRecord, partitionKeyOf } from './records';

export interface PackOptions {
  /** Events per record. Default 500. */
  maxEvents?: number;
  /** Uncompressed bytes per record before it is closed. Default 256 KiB (about 25 KiB gzip-compressed). */
  maxBytes?: number;
  /** Compress each record with gzip. Default true. */
  gzip?: boolean;
  /**
   * Sessions are spread over this many packs (and partition keys) by a hash of their partition key, so
   * all of a session's events share one key and so one shard, as with single-event records. Default 64.
   */
  buckets?: number;
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

interface OpenPack {
  lines: string[];
  bytes: number;
}

/**
 * Packs events into records of NDJSON, gzip-compressed, as the KPL's record aggregation does: one PutRecords
 * entry then carries hundreds of events, which cuts PUT payload units, Lambda records and emulator load
 * alike. The consumer reads both packed and single-event records. Each session hashes to one of
 * `buckets` packs whose partition key is fixed, so a session's events stay on one shard.
 */
export async function* packEvents(
  events: Iterable<CostEventInput> | AsyncIterable<CostEventInput>,
  options: PackOptions = {},
): AsyncGenerator<PackedRecord | CostEventInput> {
  const maxEvents = options.maxEvents ?? 500;
  const maxBytes = options.maxBytes ?? 256 * 1024;
  const gzip = options.gzip ?? true;
  const buckets = options.buckets ?? 64;
  const packs = new Map<number, OpenPack>();
  const close = (bucket: number, pack: OpenPack): PackedRecord => {
    packs.delete(bucket);
    const text = pack.lines.join('\n');
    return {
      packed: gzip ? gzipSync(text) : utf8.encode(text),
      partitionKey: `pack-${bucket}`,
      events: pack.lines.length,
    };
  };
  for await (const event of events) {
    const line = serialise(event);
    // Something the consumer could not split safely goes alone, for the producer to send or reject.
    if (line === undefined || line.includes('\n')) {
      yield event;
      continue;
    }
    const data = utf8.encode(line);
    const bucket = laneOf(partitionKeyOf(event, data), buckets);
    const size = data.byteLength + 1;
    const open = packs.get(bucket);
    if (open !== undefined && (open.lines.length >= maxEvents || open.bytes + size > maxBytes))
      yield close(bucket, open);
    const pack = packs.get(bucket) ?? { lines: [], bytes: 0 };
    pack.lines.push(line);
    pack.bytes += size;
    packs.set(bucket, pack);
  }
  for (const [bucket, pack] of [...packs.entries()]) yield close(bucket, pack);
}

/** @deprecated Renamed `PackOptions`. */
export type AggregationOptions = PackOptions;

/** @deprecated Renamed `packEvents`: "aggregate" is the spend-folding Lambda's name. */
export const aggregateEvents = packEvents;
