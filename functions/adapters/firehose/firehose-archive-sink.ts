import { type FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import type { ArchivedEvent } from '../../core/analytics/archived-event';
import { type BatchLimits, encodeArchiveLine } from '../../core/analytics/batch-records';
import type { ArchiveSink } from '../../core/analytics/ports';
import { type RetryPolicy, type SendDependencies, sendInBatches } from '../../core/analytics/send-in-batches';

export interface FirehoseArchiveSinkOptions {
  limits?: BatchLimits;
  retry?: Partial<RetryPolicy>;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: SendDependencies['onRetry'];
}

/**
 * The archive on AWS: one NDJSON line per event, PutRecordBatch within Firehose's quotas, the records a
 * partial failure rejected (FailedPutCount, per-record ErrorCode) sent again with backoff and jitter.
 * Throws ArchiveDeliveryError, naming how many records failed, when a batch cannot be completed.
 */
export class FirehoseArchiveSink implements ArchiveSink {
  constructor(
    private readonly client: FirehoseClient,
    private readonly deliveryStreamName: string,
    private readonly options: FirehoseArchiveSinkOptions = {},
  ) {}

  send(events: readonly ArchivedEvent[]) {
    const { limits, retry, sleep, random, onRetry } = this.options;
    return sendInBatches(events.map(encodeArchiveLine), {
      putBatch: (records) => this.putBatch(records),
      ...(limits !== undefined && { limits }),
      ...(retry !== undefined && { retry }),
      ...(sleep !== undefined && { sleep }),
      ...(random !== undefined && { random }),
      ...(onRetry !== undefined && { onRetry }),
    });
  }

  private async putBatch(records: readonly Uint8Array[]): Promise<Array<string | undefined>> {
    const response = await this.client.send(
      new PutRecordBatchCommand({
        DeliveryStreamName: this.deliveryStreamName,
        Records: records.map((Data) => ({ Data })),
      }),
    );
    const entries = response.RequestResponses ?? [];
    if ((response.FailedPutCount ?? 0) === 0 && entries.length === 0) return records.map(() => undefined);
    return entries.map((entry) =>
      entry.ErrorCode === undefined || entry.ErrorCode === null || entry.ErrorCode === ''
        ? undefined
        : entry.ErrorCode,
    );
  }
}
