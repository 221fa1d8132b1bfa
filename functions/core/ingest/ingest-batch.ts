import { foldSpend } from '../aggregation/fold';
import type { PricedCostEvent } from '../events/cost-event';
import type { QuarantineReason } from '../events/decode';
import type { AttributionKeys } from '../events/invocation-log';
import { eventPosition, recordOfPosition } from '../events/record-payloads';
import type { PriceTable } from '../pricing/price-table';
import { lowestSequenceNumber } from '../sequence';
import { applySpendItemOnce } from './apply-spend-item';
import { emptyTally, groupBy, type StreamRecord, type WriteTally } from './batch-model';
import { claimEvents } from './claim-events';
import { claimRequests } from './claim-requests';
import { ShardClaimsCache } from './claims-cache';
import { MAX_LOG_BODY_BYTES } from './claims-log';
import { mapWithConcurrency } from './concurrency';
import type { ClaimsLog, QuarantineStore, RequestClaims, SessionSpend, SpendStore } from './ports';
import { touchedSessions } from './session-spend';
import { type SpendSource, splitBatch } from './split-batch';

export { type Positioned, type StreamRecord, WatermarkConflictError } from './batch-model';
export type { SessionSpend } from './ports';

/** A batch in counts: what the function publishes as metrics and logs. */
export interface IngestSummary {
  records: number;
  counted: number;
  duplicates: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
  /** Subscription control messages and valid events of the source the stage does not count. */
  skipped: number;
  costNano: number;
  /** Sessions touched by a counted event. */
  sessions: number;
  writes: WriteTally;
}

export interface IngestResult {
  summary: IngestSummary;
  /** The events that counted in this invocation (not duplicates, not held back), in stream order. */
  countedEvents: readonly PricedCostEvent[];
  /** Every session touched by a counted event, with its running spend within the horizon after this batch. */
  sessions: readonly SessionSpend[];
  /** The lowest sequence number not fully processed; the stream resumes there. Absent when all succeeded. */
  firstFailedSequenceNumber?: string;
}

export interface IngestDependencies {
  store: SpendStore;
  claimsLog: ClaimsLog;
  quarantine: QuarantineStore;
  prices: PriceTable;
  /** What counts as spend on this stage. Default `producer`. */
  source?: SpendSource;
  /** Cross-shard claims of request ids: required when the source is `invocation-logs`. */
  requestClaims?: RequestClaims;
  /** A request claim is kept this long after its record arrived. Default 49 hours (twice a day's retention, plus the horizon). */
  requestClaimTtlSeconds?: number;
  /** The requestMetadata keys invocation logs are attributed by. */
  attributionKeys?: AttributionKeys;
  /**
   * A producer's duplicate is recognised when it arrives on the same shard within this much arrival
   * time of the original; session running costs cover the same window. Default 3600 s.
   */
  dedupeHorizonSeconds?: number;
  /** Sessions whose running cost reaches this are persisted as items. Default 50,000,000 ($0.05). */
  sessionPersistMinNano?: number;
  /** Persisted session items expire this long after the last record arrived. Default 7 days. */
  sessionTtlSeconds?: number;
  /** Upper bound of a claims log item's body before compression (tests lower it to force a split). */
  maxLogBodyBytes?: number;
  /** Shards whose claims one container keeps; the least recently used beyond this reload when next seen. */
  maxCachedShards?: number;
  /** Concurrent writes per batch. */
  concurrency?: number;
  /** Told about every failed write; the record is still reported failed and retried, never dropped. */
  onWriteError?: (error: unknown, context: Record<string, unknown>) => void;
}

/**
 * The ingestion use case: split, decode, validate and price one batch of stream records, then write one
 * conditional update per distinct item. Exactly once under retries, bisected batches, partial failures,
 * crashes between writes, producer duplicates and containers taking turns on a shard:
 * - every event's id is claimed in the shard's claims log (`claimEvents`) before any spend is written, and
 *   counts only where it is unclaimed or claimed at its own position. The log is written once per batch
 *   and cached by the container; each batch first reads what was logged after the newest entry it knows;
 * - every spend item carries a per-shard watermark, so a position is applied to it at most once
 *   (`applySpendItemOnce`);
 * - a session whose running cost reaches `sessionPersistMinNano` is persisted as a snapshot that never
 *   moves back to an earlier position.
 * The claims cache lives as long as the returned function: create it once per container.
 */
export const createIngestBatch = (deps: IngestDependencies) => {
  const horizonMs = (deps.dedupeHorizonSeconds ?? 3_600) * 1_000;
  const sessionTtlMs = (deps.sessionTtlSeconds ?? 7 * 86_400) * 1_000;
  const sessionPersistMinNano = deps.sessionPersistMinNano ?? 50_000_000;
  const maxCachedShards = deps.maxCachedShards ?? 8;
  const concurrency = deps.concurrency ?? 16;
  const caches = new Map<string, ShardClaimsCache>();
  const source = deps.source ?? 'producer';
  const requestClaims = deps.requestClaims;
  if (source === 'invocation-logs' && requestClaims === undefined) {
    throw new TypeError('the invocation-logs source needs requestClaims: its duplicates cross shards');
  }
  const requestClaimTtlMs = (deps.requestClaimTtlSeconds ?? 49 * 3_600) * 1_000;
  const splitOptions = {
    source,
    ...(deps.attributionKeys === undefined ? {} : { attributionKeys: deps.attributionKeys }),
  };

  const cacheOf = (shardId: string): ShardClaimsCache => {
    const cache = caches.get(shardId) ?? new ShardClaimsCache();
    // Map order is insertion order: re-inserting keeps the most recently used last.
    caches.delete(shardId);
    caches.set(shardId, cache);
    for (const oldest of caches.keys()) {
      if (caches.size <= maxCachedShards) break;
      caches.delete(oldest);
    }
    return cache;
  };

  const ingestShardBatch = async (shardId: string, records: StreamRecord[]): Promise<IngestResult> => {
    const tally = emptyTally();
    const failures: string[] = [];
    const quarantined: IngestSummary['quarantined'] = {};
    const { valid: decoded, invalid, skipped } = splitBatch(records, deps.prices, splitOptions);

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

    let valid = decoded;
    let crossShardDuplicates = 0;
    if (requestClaims !== undefined && source === 'invocation-logs') {
      const held = await claimRequests(decoded, {
        claims: requestClaims,
        ttlMs: requestClaimTtlMs,
        concurrency,
        tally,
        ...(deps.onWriteError === undefined ? {} : { onWriteError: deps.onWriteError }),
      });
      valid = held.held;
      crossShardDuplicates = held.duplicates;
      if (held.firstFailure !== undefined) failures.push(held.firstFailure);
    }

    const cache = cacheOf(shardId);
    // Events at or after a failed claim are undecided: they are not counted in this attempt, so spend
    // items only ever move their watermark over a gap-free prefix.
    const claimed = await claimEvents(shardId, valid, cache, {
      log: deps.claimsLog,
      horizonMs,
      maxBodyBytes: deps.maxLogBodyBytes ?? MAX_LOG_BODY_BYTES,
      tally,
      onWriteError: deps.onWriteError,
    });
    const { counted } = claimed;
    if (claimed.firstFailure !== undefined) failures.push(claimed.firstFailure);
    const sessions = touchedSessions(shardId, counted, cache, sessionTtlMs);

    const writes: (() => Promise<void>)[] = [];
    for (const item of foldSpend(counted).values()) {
      writes.push(async () => {
        try {
          await applySpendItemOnce(item, deps.store, tally);
        } catch (error) {
          deps.onWriteError?.(error, { write: 'spend_item', item: `${item.key.pk}/${item.key.sk}` });
          failures.push(item.firstSequence);
        }
      });
    }
    for (const { spend, snapshot, firstPosition } of sessions) {
      if (spend.costNano < sessionPersistMinNano) continue;
      writes.push(async () => {
        try {
          await deps.store.putSession({ ...snapshot, ...spend });
          tally.sessions += 1;
        } catch (error) {
          deps.onWriteError?.(error, { write: 'session', sessionId: spend.sessionId });
          failures.push(firstPosition);
        }
      });
    }
    await mapWithConcurrency(writes, concurrency, (write) => write());

    // Failures are event positions; the event source only knows records, so it resumes at the record.
    const lowest = lowestSequenceNumber(failures);
    return {
      summary: {
        records: records.length,
        counted: counted.length,
        duplicates: claimed.duplicates + crossShardDuplicates,
        quarantined,
        skipped,
        costNano: counted.reduce((sum, c) => sum + c.event.costNano, 0),
        sessions: sessions.length,
        writes: tally,
      },
      countedEvents: counted.map((c) => c.event),
      sessions: sessions.map((s) => s.spend),
      ...(lowest === undefined ? {} : { firstFailedSequenceNumber: recordOfPosition(lowest) }),
    };
  };

  // The event source delivers one shard per batch; grouping keeps each watermark and log per shard if not.
  return async (records: readonly StreamRecord[]): Promise<IngestResult> => {
    const results: IngestResult[] = [];
    for (const [shardId, shardRecords] of groupBy(records, (r) => r.shardId)) {
      results.push(await ingestShardBatch(shardId, shardRecords));
    }
    return mergeResults(records.length, results);
  };
};

const mergeResults = (records: number, results: IngestResult[]): IngestResult => {
  const summary: IngestSummary = {
    records,
    counted: 0,
    duplicates: 0,
    quarantined: {},
    skipped: 0,
    costNano: 0,
    sessions: 0,
    writes: emptyTally(),
  };
  let firstFailedSequenceNumber: string | undefined;
  for (const result of results) {
    const r = result.summary;
    summary.counted += r.counted;
    summary.duplicates += r.duplicates;
    summary.skipped += r.skipped;
    summary.costNano += r.costNano;
    summary.sessions += r.sessions;
    for (const [reason, n] of Object.entries(r.quarantined) as [QuarantineReason, number][]) {
      summary.quarantined[reason] = (summary.quarantined[reason] ?? 0) + n;
    }
    for (const key of Object.keys(summary.writes) as (keyof WriteTally)[])
      summary.writes[key] += r.writes[key];
    firstFailedSequenceNumber ??= result.firstFailedSequenceNumber;
  }
  return {
    summary,
    countedEvents: results.flatMap((r) => r.countedEvents),
    sessions: results.flatMap((r) => r.sessions),
    ...(firstFailedSequenceNumber === undefined ? {} : { firstFailedSequenceNumber }),
  };
};
