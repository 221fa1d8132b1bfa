import { type BatchLimits, batchRecords, FIREHOSE_LIMITS } from './batch-records';

/**
 * Sends one batch; resolves with one entry per record, in order: undefined where the record was
 * accepted, its error code where the service rejected it. Rejects when the call itself failed.
 */
export type PutBatch = (records: readonly Uint8Array[]) => Promise<ReadonlyArray<string | undefined>>;

export interface RetryPolicy {
  /** Calls per batch, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 3_000 };

export interface SendResult {
  records: number;
  /** Batches the records were cut into (retries not counted). */
  batches: number;
  /** Records sent again after a partial failure rejected them. */
  retried: number;
}

/**
 * Some records could not be delivered. Batches go out in order and a batch is finished before the next
 * starts, so the first `delivered` records are known to be delivered; some of the rest may be too.
 */
export class ArchiveDeliveryError extends Error {
  constructor(
    readonly total: number,
    readonly delivered: number,
    readonly failed: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      `${failed} archive record(s) could not be delivered (${detail}); the first ${delivered} of ${total} were delivered`,
      options,
    );
    this.name = 'ArchiveDeliveryError';
  }
}

export interface SendDependencies {
  putBatch: PutBatch;
  limits?: BatchLimits;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  /** In [0, 1); Math.random by default. */
  random?: () => number;
  /** Told before each retry of the records a partial failure rejected. */
  onRetry?: (detail: {
    attempt: number;
    records: number;
    errorCodes: Record<string, number>;
    delayMs: number;
  }) => void;
}

/**
 * Exponential backoff with "equal jitter": half of the capped exponential delay is fixed, the other half
 * random, so concurrent senders spread out and no retry comes immediately.
 */
export const backoffDelay = (attempt: number, policy: RetryPolicy, random: () => number): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
};

const countCodes = (codes: ReadonlyArray<string | undefined>): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const code of codes) if (code !== undefined) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
};

const describeCodes = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .map(([code, n]) => `${code} x${n}`)
    .join(', ');

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Sends records in order, in batches within the limits. A partial failure resends only the records it
 * rejected, after a backoff, up to `maxAttempts` calls per batch; the next batch starts only once the
 * current one is fully accepted. Throws ArchiveDeliveryError when a batch still has rejected records after
 * the last attempt, or when a call fails outright (the client has retried it already).
 */
export const sendInBatches = async (
  records: readonly Uint8Array[],
  dependencies: SendDependencies,
): Promise<SendResult> => {
  const policy = { ...DEFAULT_RETRY_POLICY, ...dependencies.retry };
  const sleep = dependencies.sleep ?? defaultSleep;
  const random = dependencies.random ?? Math.random;
  const batches = batchRecords(records, dependencies.limits ?? FIREHOSE_LIMITS);
  let retried = 0;
  for (const [start, end] of batches) {
    let pending = records.slice(start, end);
    for (let attempt = 1; ; attempt += 1) {
      let codes: ReadonlyArray<string | undefined>;
      try {
        codes = await dependencies.putBatch(pending);
      } catch (error) {
        throw new ArchiveDeliveryError(
          records.length,
          start,
          records.length - start,
          `PutRecordBatch failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      if (codes.length !== pending.length) {
        throw new ArchiveDeliveryError(
          records.length,
          start,
          records.length - start,
          `the response covers ${codes.length} of ${pending.length} records`,
        );
      }
      const rejected = pending.filter((_, index) => codes[index] !== undefined);
      if (rejected.length === 0) break;
      const errorCodes = countCodes(codes);
      if (attempt >= policy.maxAttempts) {
        const notSent = records.length - end;
        throw new ArchiveDeliveryError(
          records.length,
          start,
          rejected.length,
          `still rejected after ${attempt} attempts: ${describeCodes(errorCodes)}` +
            (notSent > 0 ? `; ${notSent} later record(s) were not sent` : ''),
        );
      }
      const delayMs = backoffDelay(attempt, policy, random);
      dependencies.onRetry?.({ attempt, records: rejected.length, errorCodes, delayMs });
      retried += rejected.length;
      await sleep(delayMs);
      pending = rejected;
    }
  }
  return { records: records.length, batches: batches.length, retried };
};
