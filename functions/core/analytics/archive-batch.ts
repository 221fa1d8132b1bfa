import type { StreamRecord } from '../ingest/batch-model';
import { type SplitOptions, splitBatch } from '../ingest/split-batch';
import type { PriceTable } from '../pricing/price-table';
import { toArchivedEvent } from './archived-event';
import type { ArchiveSink } from './ports';
import { ArchiveDeliveryError } from './send-in-batches';

export interface ArchiveBatchResult {
  records: number;
  /** Valid events known to be delivered to the archive. */
  archived: number;
  /** Invalid events and undecodable records: skipped here, the aggregate quarantines them. */
  skipped: number;
  batches: number;
  retried: number;
  /**
   * Set when delivery failed: the first record not fully archived. Every record before it was, so the
   * stream resumes there (records after it may be archived twice; the warehouse's view dedupes).
   */
  firstFailedSequenceNumber?: string;
  /** Why delivery failed, when it did. */
  failure?: ArchiveDeliveryError;
}

/** `<shard>:<position>`: the event's place on the stream, as the ingest addresses it. */
export const streamPosition = (shardId: string, position: string): string => `${shardId}:${position}`;

/**
 * The archive use case: decode, validate and price a batch exactly as the aggregate does, and send the
 * valid events, normalized, to the archive. No deduplication here: the warehouse reads through a view
 * that keeps one row per session and event. A delivery failure is returned, not thrown, with the record
 * to resume from; any other error is thrown.
 */
export const createArchiveBatch =
  (dependencies: { sink: ArchiveSink; prices: PriceTable } & SplitOptions) =>
  async (records: readonly StreamRecord[]): Promise<ArchiveBatchResult> => {
    const { valid, invalid } = splitBatch(records, dependencies.prices, dependencies);
    const result = { records: records.length, archived: 0, skipped: invalid.length, batches: 0, retried: 0 };
    if (valid.length === 0) return result;
    const rows = valid.map(({ event, sequence, record }) =>
      toArchivedEvent(event, streamPosition(record.shardId, sequence), record.arrivedAt),
    );
    try {
      const sent = await dependencies.sink.send(rows);
      return { ...result, archived: rows.length, batches: sent.batches, retried: sent.retried };
    } catch (error) {
      if (!(error instanceof ArchiveDeliveryError)) throw error;
      const resumeAt = valid[Math.min(error.delivered, valid.length - 1)]?.record;
      return {
        ...result,
        archived: error.delivered,
        ...(resumeAt !== undefined && { firstFailedSequenceNumber: resumeAt.sequenceNumber }),
        failure: error,
      };
    }
  };
