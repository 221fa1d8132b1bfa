import { type Contribution, type FoldedItem, foldSpend, refoldAfter } from '../aggregation/fold';
import { addEvent, sessionKey, zeroCounters } from '../aggregation/spend-items';
import { decodeCostEvent, type QuarantineReason } from '../events/decode';
import { eventPosition, recordOfPosition, splitRecord } from '../events/record-payloads';
import type { PriceTable } from '../pricing/price-table';
import { compareSequenceNumbers, isAfter, lowestSequenceNumber } from '../sequence';
import { mapWithConcurrency } from './concurrency';
import type { QuarantineStore, SessionClaim, SpendStore } from './ports';

/** A stream record as the use case needs it, whatever delivered it. */
export interface StreamRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  arrivedAt: number;
  data: Uint8Array;
}

export interface IngestResult {
  records: number;
  counted: number;
  duplicates: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
  costNano: number;
  writes: { spendItems: number; sessions: number; quarantine: number; conditionalRetries: number };
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

export class WatermarkConflictError extends Error {
  constructor(what: string) {
    super(`${what} kept changing under a single-writer shard; is ParallelizationFactor above 1?`);
    this.name = 'WatermarkConflictError';
  }
}

// Keeps each session update's expression under DynamoDB's 4 KB expression limit.
const CLAIMS_PER_UPDATE = 40;
const MAX_CONDITIONAL_ATTEMPTS = 4;

interface Quarantinable {
  record: StreamRecord;
  index: number;
  data: Uint8Array;
  reason: QuarantineReason;
  detail: string;
  version: string | null;
}

interface Positioned extends Contribution {
  record: StreamRecord;
  recordRef: string;
}

const groupBy = <T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
};

const chunk = <T>(items: T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

/**
 * The ingestion use case: decode, validate, price and fold one batch of stream records, then write one
 * conditional update per distinct item. Exactly once under retries, bisected batches, partial failures,
 * crashes between writes and producer duplicates:
 * - every spend item carries a per-shard watermark, so a stream position is applied to it at most once;
 * - every event claims its event_id on its session item, in the same atomic write that adds its cost,
 *   with its stream position; the event counts only where the claim holds its own position, so a
 *   producer's duplicate never counts and a retried original always does.
 */
export const createIngestBatch = (deps: IngestDependencies) => {
  const ttlMs = (deps.sessionTtlSeconds ?? 7 * 86_400) * 1_000;
  const concurrency = deps.concurrency ?? 16;

  // The event source delivers one shard per batch; grouping keeps each watermark per shard if not.
  return async (records: readonly StreamRecord[]): Promise<IngestResult> => {
    const byShard = groupBy([...records], (r) => r.shardId);
    const results: IngestResult[] = [];
    for (const shardRecords of byShard.values()) results.push(await ingestShardBatch(shardRecords));
    return mergeResults(records.length, results);
  };

  async function ingestShardBatch(records: StreamRecord[]): Promise<IngestResult> {
    const result: IngestResult = {
      records: records.length,
      counted: 0,
      duplicates: 0,
      quarantined: {},
      costNano: 0,
      writes: { spendItems: 0, sessions: 0, quarantine: 0, conditionalRetries: 0 },
    };
    const failures: string[] = [];

    const valid: Positioned[] = [];
    const invalid: Quarantinable[] = [];
    for (const record of records) {
      const payloads = splitRecord(record.data);
      if (!payloads.ok) {
        invalid.push({
          record,
          index: 0,
          data: record.data,
          reason: payloads.reason,
          detail: payloads.detail,
          version: null,
        });
        continue;
      }
      payloads.events.forEach((data, index) => {
        const position = eventPosition(record.sequenceNumber, index);
        const decoded = decodeCostEvent(data, deps.prices);
        if (decoded.ok) {
          valid.push({
            event: decoded.event,
            sequence: position,
            record,
            recordRef: `${record.shardId}:${position}`,
          });
        } else {
          invalid.push({
            record,
            index,
            data,
            reason: decoded.reason,
            detail: decoded.detail,
            version: decoded.schemaVersion,
          });
        }
      });
    }

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
          result.writes.quarantine += 1;
          result.quarantined[reason] = (result.quarantined[reason] ?? 0) + 1;
        } catch (error) {
          deps.onWriteError?.(error, { write: 'quarantine', sequenceNumber: record.sequenceNumber });
          failures.push(eventPosition(record.sequenceNumber, index));
        }
      },
    );

    const counted = await claimOnSessions(valid);
    // An event whose session write failed has an unknown duplicate status; spend items may only move
    // their watermark over a gap-free prefix, so nothing at or after it is folded in this attempt.
    const sessionFailure = counted.firstFailure;
    const foldable =
      sessionFailure === undefined
        ? counted.events
        : counted.events.filter((c) => isAfter(sessionFailure, c.sequence));
    if (sessionFailure !== undefined) failures.push(sessionFailure);

    const items = foldSpend(foldable);
    await mapWithConcurrency([...items.values()], concurrency, async (item) => {
      try {
        await applyExactlyOnce(item);
      } catch (error) {
        deps.onWriteError?.(error, { write: 'spend_item', item: `${item.key.pk}/${item.key.sk}` });
        failures.push(item.firstSequence);
      }
    });

    for (const c of foldable) result.costNano += c.event.costNano;
    result.counted = foldable.length;
    // Failures are event positions; the event source only knows records, so it resumes at the record.
    const lowest = lowestSequenceNumber(failures);
    if (lowest !== undefined) result.firstFailedSequenceNumber = recordOfPosition(lowest);
    return result;

    async function claimOnSessions(
      events: Positioned[],
    ): Promise<{ events: Positioned[]; firstFailure?: string }> {
      const firsts: Positioned[] = [];
      const sessionFailures: string[] = [];
      const bySession = groupBy(events, (c) => c.event.sessionId);
      await mapWithConcurrency([...bySession.values()], concurrency, async (sessionEvents) => {
        const seen = new Set<string>();
        const unique: Positioned[] = [];
        for (const c of sessionEvents) {
          if (seen.has(c.event.eventId)) result.duplicates += 1;
          else {
            seen.add(c.event.eventId);
            unique.push(c);
          }
        }
        for (const part of chunk(unique, CLAIMS_PER_UPDATE)) {
          try {
            const outcome = await claimPart(part);
            firsts.push(...outcome.firsts);
            result.duplicates += outcome.duplicates;
          } catch (error) {
            deps.onWriteError?.(error, { write: 'session', sessionId: part[0]?.event.sessionId });
            const lowest = lowestSequenceNumber(part.map((c) => c.sequence));
            if (lowest !== undefined) sessionFailures.push(lowest);
          }
        }
      });
      const firstFailure = lowestSequenceNumber(sessionFailures);
      firsts.sort((a, b) => compareSequenceNumbers(a.sequence, b.sequence));
      return firstFailure === undefined ? { events: firsts } : { events: firsts, firstFailure };
    }

    async function claimPart(part: Positioned[]): Promise<{ firsts: Positioned[]; duplicates: number }> {
      const firsts: Positioned[] = [];
      let duplicates = 0;
      let pending = part;
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS && pending.length > 0; attempt += 1) {
        const counters = zeroCounters();
        for (const c of pending) addEvent(counters, c.event);
        const first = pending[0] as Positioned;
        const claims: SessionClaim[] = pending.map((c) => ({
          eventId: c.event.eventId,
          recordRef: c.recordRef,
        }));
        const outcome = await deps.store.applySession({
          key: sessionKey(first.event.sessionId),
          sessionId: first.event.sessionId,
          intents: [...new Set(pending.map((c) => c.event.intent))],
          counters,
          lastEventAt: Math.max(...pending.map((c) => c.event.occurredAt)),
          // Storage lifetime runs from arrival, not event time: a replayed old day must keep its claims.
          expiresAt: Math.floor((Math.max(...pending.map((c) => c.record.arrivedAt)) + ttlMs) / 1_000),
          claims,
        });
        result.writes.sessions += 1;
        if (outcome.kind === 'applied') {
          firsts.push(...pending);
          return { firsts, duplicates };
        }
        result.writes.conditionalRetries += 1;
        const unclaimed: Positioned[] = [];
        for (const c of pending) {
          const holder = outcome.claims.get(c.event.eventId);
          if (holder === undefined) unclaimed.push(c);
          else if (holder === c.recordRef) firsts.push(c);
          else duplicates += 1;
        }
        if (unclaimed.length === pending.length)
          throw new WatermarkConflictError(`session ${first.event.sessionId}`);
        pending = unclaimed;
      }
      if (pending.length > 0) throw new WatermarkConflictError('session claims');
      return { firsts, duplicates };
    }

    async function applyExactlyOnce(folded: FoldedItem): Promise<void> {
      let item: FoldedItem | null = folded;
      let expectedWatermark: string | undefined;
      for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS && item !== null; attempt += 1) {
        const shardId = (item.contributions[0] as Positioned).record.shardId;
        const outcome = await deps.store.applySpendItem({
          key: item.key,
          labels: item.labels,
          counters: item.counters,
          shardId,
          firstSequence: item.firstSequence,
          lastSequence: item.lastSequence,
          ...(expectedWatermark === undefined ? {} : { expectedWatermark }),
        });
        result.writes.spendItems += 1;
        if (outcome.kind === 'applied') return;
        result.writes.conditionalRetries += 1;
        // A retry overlapping what an earlier attempt applied: keep only the part after the watermark.
        expectedWatermark = outcome.watermark;
        item = refoldAfter(item, outcome.watermark);
      }
      if (item !== null) throw new WatermarkConflictError(`spend item ${folded.key.pk}/${folded.key.sk}`);
    }
  }
};

const mergeResults = (records: number, results: IngestResult[]): IngestResult => {
  const merged: IngestResult = {
    records,
    counted: 0,
    duplicates: 0,
    quarantined: {},
    costNano: 0,
    writes: { spendItems: 0, sessions: 0, quarantine: 0, conditionalRetries: 0 },
  };
  for (const r of results) {
    merged.counted += r.counted;
    merged.duplicates += r.duplicates;
    merged.costNano += r.costNano;
    for (const [reason, n] of Object.entries(r.quarantined) as [QuarantineReason, number][]) {
      merged.quarantined[reason] = (merged.quarantined[reason] ?? 0) + n;
    }
    merged.writes.spendItems += r.writes.spendItems;
    merged.writes.sessions += r.writes.sessions;
    merged.writes.quarantine += r.writes.quarantine;
    merged.writes.conditionalRetries += r.writes.conditionalRetries;
    if (r.firstFailedSequenceNumber !== undefined && merged.firstFailedSequenceNumber === undefined) {
      merged.firstFailedSequenceNumber = r.firstFailedSequenceNumber;
    }
  }
  return merged;
};
