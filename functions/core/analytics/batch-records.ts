import type { ArchivedEvent } from './archived-event';

/** Firehose PutRecordBatch quotas: records per call, bytes per call and bytes per record (before base64). */
export interface BatchLimits {
  maxRecords: number;
  maxBatchBytes: number;
  maxRecordBytes: number;
}

export const FIREHOSE_LIMITS: BatchLimits = {
  maxRecords: 500,
  maxBatchBytes: 4 * 1024 * 1024,
  maxRecordBytes: 1_000 * 1024,
};

export class RecordTooLargeError extends Error {
  constructor(
    readonly index: number,
    readonly bytes: number,
    limit: number,
  ) {
    super(`archive record ${index} is ${bytes} bytes, above the ${limit}-byte record limit`);
    this.name = 'RecordTooLargeError';
  }
}

const encoder = new TextEncoder();

/**
 * One archived event as one Firehose record: a single NDJSON line. The trailing newline keeps the
 * lines apart when Firehose concatenates records into an S3 object, which COPY ... JSON 'auto' reads.
 */
export const encodeArchiveLine = (event: ArchivedEvent): Uint8Array =>
  encoder.encode(`${JSON.stringify(event)}\n`);

/**
 * Cuts records into consecutive batches within the limits, greedily and in order: each batch takes
 * records until the next one would break the count or the byte limit. Returns the batches as index
 * ranges `[start, end)` into `records`. Throws RecordTooLargeError if a single record is over the
 * per-record limit (no batching could send it).
 */
export const batchRecords = (
  records: readonly Uint8Array[],
  limits: BatchLimits = FIREHOSE_LIMITS,
): Array<[start: number, end: number]> => {
  const batches: Array<[number, number]> = [];
  let start = 0;
  let bytes = 0;
  records.forEach((record, index) => {
    const size = record.byteLength;
    if (size > limits.maxRecordBytes || size > limits.maxBatchBytes)
      throw new RecordTooLargeError(index, size, Math.min(limits.maxRecordBytes, limits.maxBatchBytes));
    if (index > start && (index - start >= limits.maxRecords || bytes + size > limits.maxBatchBytes)) {
      batches.push([start, index]);
      start = index;
      bytes = 0;
    }
    bytes += size;
  });
  if (records.length > start) batches.push([start, records.length]);
  return batches;
};
