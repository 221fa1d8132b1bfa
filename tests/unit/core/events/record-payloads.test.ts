import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  eventPosition,
  MAX_DECOMPRESSED_BYTES,
  recordOfPosition,
  splitRecord,
} from '../../../../functions/core/events/record-payloads';
import { compareSequenceNumbers } from '../../../../functions/core/sequence';

const texts = (data: Uint8Array) => {
  const result = splitRecord(data);
  return result.ok ? result.events.map((e) => Buffer.from(e).toString('utf8')) : result.reason;
};

describe('splitRecord', () => {
  it('reads a record of one event as one event', () => {
    expect(texts(Buffer.from('{"a":1}'))).toEqual(['{"a":1}']);
  });

  it('reads NDJSON as one event per line, skipping blank lines', () => {
    expect(texts(Buffer.from('{"a":1}\n\n{"b":2}\n'))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('reads gzip-compressed NDJSON', () => {
    expect(texts(gzipSync('{"a":1}\n{"b":2}'))).toEqual(['{"a":1}', '{"b":2}']);
  });

  it('rejects a broken gzip stream and a compression bomb as undecodable', () => {
    expect(texts(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01]))).toBe('undecodable_record');
    expect(texts(gzipSync(Buffer.alloc(MAX_DECOMPRESSED_BYTES + 1, 0x20)))).toBe('undecodable_record');
  });
});

describe('event positions', () => {
  it('order by record, then by index within the record, and map back to the record', () => {
    const positions = [eventPosition('99', 1), eventPosition('100', 0), eventPosition('99', 0)];
    positions.sort(compareSequenceNumbers);
    expect(positions).toEqual(['9900000', '9900001', '10000000']);
    expect(recordOfPosition(eventPosition('12345', 42))).toBe('12345');
  });
});
