import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  type BatchLimits,
  batchRecords,
  encodeArchiveLine,
  FIREHOSE_LIMITS,
  RecordTooLargeError,
} from '../../../../functions/core/analytics/batch-records';
import { anArchivedEvent } from '../../../helpers/archived-events';

const MiB = 1024 * 1024;
const ofSize = (bytes: number): Uint8Array => new Uint8Array(bytes);
const sizes = (records: readonly Uint8Array[], [start, end]: [number, number]) =>
  records.slice(start, end).reduce((sum, record) => sum + record.byteLength, 0);

describe('encodeArchiveLine', () => {
  it('writes one event as one JSON line ending in a newline', () => {
    // Prepare
    const event = anArchivedEvent({ producer: 'line\nbreak' });

    // Act
    const text = new TextDecoder().decode(encodeArchiveLine(event));

    // Assess
    expect(text.endsWith('\n')).toBe(true);
    expect(text.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(text)).toEqual(event);
  });
});

describe('batchRecords within the Firehose PutRecordBatch quotas', () => {
  it('cuts 1,201 small records into 500, 500 and 201', () => {
    // Prepare
    const records = Array.from({ length: 1_201 }, () => ofSize(300));

    // Act
    const batches = batchRecords(records);

    // Assess
    expect(batches).toEqual([
      [0, 500],
      [500, 1_000],
      [1_000, 1_201],
    ]);
  });

  it('starts a new batch before 4 MiB: five records of 900 KiB make batches of four and one', () => {
    // Prepare
    const records = Array.from({ length: 5 }, () => ofSize(900 * 1024));

    // Act
    const batches = batchRecords(records);

    // Assess
    expect(batches).toEqual([
      [0, 4],
      [4, 5],
    ]);
    expect(sizes(records, [0, 4])).toBeLessThanOrEqual(4 * MiB);
  });

  it('fills a batch to exactly 4 MiB and moves the next record to a new one', () => {
    // Prepare: four records of 1,000 KiB and one of 96 KiB make 4,096 KiB.
    const records = [...Array.from({ length: 4 }, () => ofSize(1_000 * 1024)), ofSize(96 * 1024), ofSize(1)];

    // Act
    const batches = batchRecords(records);

    // Assess
    expect(batches).toEqual([
      [0, 5],
      [5, 6],
    ]);
    expect(sizes(records, [0, 5])).toBe(4 * MiB);
  });

  it('sends a record of exactly 1,000 KiB, and refuses one byte more with the record named', () => {
    // Prepare
    const atLimit = [ofSize(10), ofSize(1_000 * 1024)];
    const overLimit = [ofSize(10), ofSize(1_000 * 1024 + 1)];

    // Act
    const batches = batchRecords(atLimit);

    // Assess
    expect(batches).toEqual([[0, 2]]);
    expect(() => batchRecords(overLimit)).toThrow(RecordTooLargeError);
    expect(() => batchRecords(overLimit)).toThrow(/record 1 is 1024001 bytes/);
  });

  it('returns no batch for no record', () => {
    expect(batchRecords([])).toEqual([]);
  });

  it('keeps every record once, in order, in maximal batches within the limits (property)', () => {
    const limits: BatchLimits = { maxRecords: 7, maxBatchBytes: 100, maxRecordBytes: 60 };
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 80 }), (lengths) => {
        // Prepare
        const records = lengths.map(ofSize);

        // Act
        const batches = batchRecords(records, limits);

        // Assess: contiguous cover of [0, n) in order
        expect(
          batches.flatMap(([start, end]) => Array.from({ length: end - start }, (_, i) => start + i)),
        ).toEqual(records.map((_, i) => i));
        for (const [index, batch] of batches.entries()) {
          const [start, end] = batch;
          expect(end).toBeGreaterThan(start);
          expect(end - start).toBeLessThanOrEqual(limits.maxRecords);
          expect(sizes(records, batch)).toBeLessThanOrEqual(limits.maxBatchBytes);
          // Greedy: the next record would not have fitted.
          const next = records[end];
          if (index < batches.length - 1 && next !== undefined) {
            expect(
              end - start === limits.maxRecords ||
                sizes(records, batch) + next.byteLength > limits.maxBatchBytes,
            ).toBe(true);
          }
        }
      }),
    );
  });

  it('documents the quotas it enforces', () => {
    expect(FIREHOSE_LIMITS).toEqual({ maxRecords: 500, maxBatchBytes: 4 * MiB, maxRecordBytes: 1_024_000 });
  });
});
