import { describe, expect, it } from '@jest/globals';
import {
  ArchiveDeliveryError,
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  type PutBatch,
  sendInBatches,
} from '../../../../functions/core/analytics/send-in-batches';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const records = (count: number): Uint8Array[] =>
  Array.from({ length: count }, (_, i) => encoder.encode(`${i}\n`));
const names = (batch: readonly Uint8Array[]): number[] =>
  batch.map((record) => Number(decoder.decode(record)));

/** A fake PutRecordBatch that records every call and rejects what `reject` says, per call. */
const aFirehose = (reject: (record: number, call: number) => string | undefined = () => undefined) => {
  const calls: number[][] = [];
  const putBatch: PutBatch = async (batch) => {
    calls.push(names(batch));
    return names(batch).map((record) => reject(record, calls.length));
  };
  return { calls, putBatch };
};

const noWait = { sleep: async () => {}, random: () => 0.5 };

describe('sendInBatches', () => {
  it('sends 1,200 records in order in batches of 500, 500 and 200', async () => {
    // Prepare
    const firehose = aFirehose();

    // Act
    const result = await sendInBatches(records(1_200), { putBatch: firehose.putBatch, ...noWait });

    // Assess
    expect(result).toEqual({ records: 1_200, batches: 3, retried: 0 });
    expect(firehose.calls.map((call) => call.length)).toEqual([500, 500, 200]);
    expect(firehose.calls.flat()).toEqual(Array.from({ length: 1_200 }, (_, i) => i));
  });

  it('resends only the records a partial failure rejected, in their order, until all are accepted', async () => {
    // Prepare: the first call rejects the odd records, the second the records divisible by 3.
    const firehose = aFirehose((record, call) =>
      (call === 1 && record % 2 === 1) || (call === 2 && record % 3 === 0)
        ? 'ServiceUnavailableException'
        : undefined,
    );
    const retries: unknown[] = [];

    // Act
    const result = await sendInBatches(records(10), {
      putBatch: firehose.putBatch,
      ...noWait,
      onRetry: (detail) => retries.push(detail),
    });

    // Assess
    expect(firehose.calls).toEqual([
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      [1, 3, 5, 7, 9],
      [3, 9],
    ]);
    expect(result).toEqual({ records: 10, batches: 1, retried: 7 });
    expect(retries).toEqual([
      { attempt: 1, records: 5, errorCodes: { ServiceUnavailableException: 5 }, delayMs: 75 },
      { attempt: 2, records: 2, errorCodes: { ServiceUnavailableException: 2 }, delayMs: 150 },
    ]);
  });

  it('finishes a batch before it starts the next, so order holds across retries', async () => {
    // Prepare
    const firehose = aFirehose((record, call) =>
      call === 1 && record === 2 ? 'InternalFailure' : undefined,
    );

    // Act
    await sendInBatches(records(7), {
      putBatch: firehose.putBatch,
      limits: { maxRecords: 3, maxBatchBytes: 1_000, maxRecordBytes: 100 },
      ...noWait,
    });

    // Assess
    expect(firehose.calls).toEqual([[0, 1, 2], [2], [3, 4, 5], [6]]);
  });

  it('gives up after the last attempt with an error naming how many records failed and what was delivered', async () => {
    // Prepare: record 4 of the second batch is always rejected.
    const firehose = aFirehose((record) => (record === 4 ? 'ServiceUnavailableException' : undefined));

    // Act
    const sending = sendInBatches(records(9), {
      putBatch: firehose.putBatch,
      limits: { maxRecords: 3, maxBatchBytes: 1_000, maxRecordBytes: 100 },
      retry: { maxAttempts: 4 },
      ...noWait,
    });

    // Assess
    await expect(sending).rejects.toThrow(ArchiveDeliveryError);
    await expect(sending).rejects.toMatchObject({ total: 9, delivered: 3, failed: 1 });
    await expect(sending).rejects.toThrow(
      '1 archive record(s) could not be delivered (still rejected after 4 attempts: ServiceUnavailableException x1; ' +
        '3 later record(s) were not sent); the first 3 of 9 were delivered',
    );
    expect(firehose.calls).toEqual([[0, 1, 2], [3, 4, 5], [4], [4], [4]]);
  });

  it('fails at once when a call itself fails (the SDK has retried it), keeping the cause', async () => {
    // Prepare
    const outage = Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailableException' });
    let calls = 0;
    const putBatch: PutBatch = async (batch) => {
      calls += 1;
      if (calls === 2) throw outage;
      return batch.map(() => undefined);
    };

    // Act
    const sending = sendInBatches(records(5), {
      putBatch,
      limits: { maxRecords: 2, maxBatchBytes: 1_000, maxRecordBytes: 100 },
      ...noWait,
    });

    // Assess
    await expect(sending).rejects.toMatchObject({ delivered: 2, failed: 3, cause: outage });
    expect(calls).toBe(2);
  });

  it('refuses a response that does not cover every record sent', async () => {
    const putBatch: PutBatch = async () => [undefined];

    await expect(sendInBatches(records(2), { putBatch, ...noWait })).rejects.toThrow(
      /the response covers 1 of 2 records/,
    );
  });

  it('waits longer after each failed attempt, with jitter, never beyond the cap', () => {
    // Act
    const low = [1, 2, 3, 4, 5, 6, 7].map((attempt) => backoffDelay(attempt, DEFAULT_RETRY_POLICY, () => 0));
    const high = [1, 2, 3, 4, 5, 6, 7].map((attempt) =>
      backoffDelay(attempt, DEFAULT_RETRY_POLICY, () => 0.999_999),
    );

    // Assess
    expect(low).toEqual([50, 100, 200, 400, 800, 1_500, 1_500]);
    expect(high).toEqual([100, 200, 400, 800, 1_600, 3_000, 3_000]);
  });
});
