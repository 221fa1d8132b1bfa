import { foldSpend } from '../aggregation/fold';
import type { QuarantineReason } from '../events/decode';
import { eventPosition, recordOfPosition } from '../events/record-payloads';
import type { PriceTable } from '../pricing/price-table';
import { isAfter, lowestSequenceNumber } from '../sequence';
import { applySpendItemOnce } from './apply-spend-item';
import { emptyTally, groupBy, type Positioned, type StreamRecord, type WriteTally } from './batch-model';
import { claimOnSessions } from './claim-sessions';
import { mapWithConcurrency } from './concurrency';
import type { QuarantineStore, SessionSpend, SpendStore } from './ports';
import { splitBatch } from './split-batch';

export { type Positioned, type StreamRecord, WatermarkConflictError } from './batch-model';
export type { SessionSpend } from './ports';

export interface IngestResult {
  records: number;
  counted: number;
  duplicates: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
  costNano: number;
  /** The events that counted in this invocation (not duplicates, not held back), in stream order. */
  countedEvents: readonly Positioned[];
  /** Every session touched by a counted event, with its spend after this batch. */
  sessions: readonly SessionSpend[];
  writes: WriteTally;
  /** The lowest sequence number not fully processed; the stream resumes there. Absent when all succeeded. */
  firstFailedSequenceNumber?: string;
}

export interface IngestDependencies {
  store: SpendStore;
  quarantine: QuarantineStore;
  prices: PriceTable;
  /**
   * Session items (and the event-id claims on them) expire this long after the last record arrived:
   * the window in which a producer's duplicate is still recognised. Default 7 days.
   */
  sessionTtlSeconds?: number;
  /** Concurrent writes per batch. */
  concurrency?: number;
  /** Told about every failed write; the record is still reported failed and retried, never dropped. */
  onWriteError?: (error: unknown, context: Record<string, unknown>) => void;
}

/**
 * The ingestion use case: split, decode, validate and price one batch of stream records, then write one
 * conditional update per distinct item. Exactly once under retries, bisected batches, partial failures,
 * crashes between writes and producer duplicates:
 * - every event claims its event_id on its session item, atomically with its session cost
 *   (`claimOnSessions`), and counts only where the claim holds its own position;
 * - every spend item carries a per-shard watermark, so a position is applied to it at most once
 *   (`applySpendItemOnce`).
 */
export const createIngestBatch = (deps: IngestDependencies) => {
  const ttlMs = (deps.sessionTtlSeconds ?? 7 * 86_400) * 1_000;
  const concurrency = deps.concurrency ?? 16;

  const ingestShardBatch = async (records: StreamRecord[]): Promise<IngestResult> => {
    const tally = emptyTally();
    const failures: string[] = [];
    const quarantined: IngestResult['quarantined'] = {};
    const { valid, invalid } = splitBatch(records, deps.prices);

    await mapWithConcurrency(
      invalid,
      concurrency,
      async ({ record, index, data, reason, detail, version }) => {
        try {
          await deps.quarantine.put({
            shardId: record.shardId,
            sequenceNumber: record.sequenceNumber,
            subSequence: index,
            partitionKey: record.partitionKey,
            arrivedAt: record.arrivedAt,
            reason,
            detail,
            schemaVersion: version,
            data,
          });
          tally.quarantine += 1;
          quarantined[reason] = (quarantined[reason] ?? 0) + 1;
        } catch (error) {
          deps.onWriteError?.(error, { write: 'quarantine', sequenceNumber: record.sequenceNumber });
          failures.push(eventPosition(record.sequenceNumber, index));
        }
      },
    );

    const claimed = await claimOnSessions(valid, {
      store: deps.store,
      concurrency,
      ttlMs,
      tally,
      onWriteError: deps.onWriteError,
    });
    // An event whose session write failed has an unknown duplicate status; spend items may only move
    // their watermark over a gap-free prefix, so nothing at or after it is folded in this attempt.
    const { firstFailure } = claimed;
    const counted =
      firstFailure === undefined
        ? claimed.firsts
        : claimed.firsts.filter((c) => isAfter(firstFailure, c.sequence));
    if (firstFailure !== undefined) failures.push(firstFailure);

    await mapWithConcurrency([...foldSpend(counted).values()], concurrency, async (item) => {
      try {
        await applySpendItemOnce(item, deps.store, tally);
      } catch (error) {
        deps.onWriteError?.(error, { write: 'spend_item', item: `${item.key.pk}/${item.key.sk}` });
        failures.push(item.firstSequence);
      }
    });

    // Failures are event positions; the event source only knows records, so it resumes at the record.
    const lowest = lowestSequenceNumber(failures);
    return {
      records: records.length,
      counted: counted.length,
      duplicates: claimed.duplicates,
      quarantined,
      costNano: counted.reduce((sum, c) => sum + c.event.costNano, 0),
      countedEvents: counted,
      sessions: sessionsOf(counted),
      writes: tally,
      ...(lowest === undefined ? {} : { firstFailedSequenceNumber: recordOfPosition(lowest) }),
    };
  };

  // The event source delivers one shard per batch; grouping keeps each watermark per shard if not.
  return async (records: readonly StreamRecord[]): Promise<IngestResult> => {
    const results: IngestResult[] = [];
    for (const shardRecords of groupBy(records, (r) => r.shardId).values()) {
      results.push(await ingestShardBatch(shardRecords));
    }
    return mergeResults(records.length, results);
  };
};

/** The spend of each session in the counted events. */
const sessionsOf = (counted: readonly Positioned[]): SessionSpend[] =>
  [...groupBy(counted, (c) => c.event.sessionId).entries()].map(([sessionId, events]) => ({
    sessionId,
    intents: [...new Set(events.map((c) => c.event.intent))],
    costNano: events.reduce((sum, c) => sum + c.event.costNano, 0),
    events: events.length,
    lastEventAt: Math.max(...events.map((c) => c.event.occurredAt)),
  }));

const mergeResults = (records: number, results: IngestResult[]): IngestResult => {
  const merged: IngestResult = {
    records,
    counted: 0,
    duplicates: 0,
    quarantined: {},
    costNano: 0,
    countedEvents: results.flatMap((r) => r.countedEvents),
    sessions: results.flatMap((r) => r.sessions),
    writes: emptyTally(),
  };
  for (const r of results) {
    merged.counted += r.counted;
    merged.duplicates += r.duplicates;
    merged.costNano += r.costNano;
    for (const [reason, n] of Object.entries(r.quarantined) as [QuarantineReason, number][]) {
      merged.quarantined[reason] = (merged.quarantined[reason] ?? 0) + n;
    }
    for (const key of Object.keys(merged.writes) as (keyof WriteTally)[]) merged.writes[key] += r.writes[key];
    merged.firstFailedSequenceNumber ??= r.firstFailedSequenceNumber;
  }
  return merged;
};
