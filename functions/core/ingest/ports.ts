import type { ItemKey, ItemLabels, SpendCounters } from '../aggregation/spend-items';
import type { QuarantineReason } from '../events/decode';

/**
 * Adds a batch's counters to one spend item at most once per stream position. The item remembers, per
 * shard, the highest sequence number applied to it (its watermark). Sequence numbers are Kinesis's own
 * decimal strings; how a store orders them is its business.
 */
export interface SpendItemUpdate {
  key: ItemKey;
  labels: ItemLabels;
  counters: SpendCounters;
  shardId: string;
  firstSequence: string;
  lastSequence: string;
  /**
   * Absent: apply only if the watermark is missing or below firstSequence (the normal case).
   * Present: apply only if the watermark still equals it (after a retry re-folded the unapplied part).
   */
  expectedWatermark?: string;
}

export type SpendItemOutcome = { kind: 'applied' } | { kind: 'behind_watermark'; watermark: string };

/** One event claimed on its session item by its stream position; a duplicate finds the claim taken. */
export interface SessionClaim {
  eventId: string;
  recordRef: string;
}

export interface SessionUpdate {
  key: ItemKey;
  sessionId: string;
  intents: string[];
  counters: SpendCounters;
  lastEventAt: number;
  expiresAt: number;
  claims: SessionClaim[];
}

/** When any claim is taken, nothing is written and every existing claim of the item is returned. */
export type SessionOutcome = { kind: 'applied' } | { kind: 'claims_taken'; claims: Map<string, string> };

/**
 * One session's spend as the ingest knows it after a batch: what the breaker's conversation-spike check
 * reads. Every session touched by an event that counted in the batch is reported.
 */
export interface SessionSpend {
  sessionId: string;
  intents: string[];
  /** Running cost of the session within the dedupe horizon, after this batch, in nano-dollars. */
  costNano: number;
  /** Events behind costNano. */
  events: number;
  /** Latest event time seen for the session (epoch ms). */
  lastEventAt: number;
}

export interface SpendStore {
  applySpendItem(update: SpendItemUpdate): Promise<SpendItemOutcome>;
  applySession(update: SessionUpdate): Promise<SessionOutcome>;
}

/** A record that cannot be counted, kept with a copy of its bytes so nothing is lost. */
export interface QuarantinedRecord {
  shardId: string;
  sequenceNumber: string;
  /** Index of the event within its record (0 for a record of one event). */
  subSequence: number;
  partitionKey: string;
  arrivedAt: number;
  reason: QuarantineReason;
  detail: string;
  schemaVersion: string | null;
  data: Uint8Array;
}

export interface QuarantineStore {
  /** Idempotent: keyed by stream position, so a retried batch rewrites the same item. */
  put(record: QuarantinedRecord): Promise<void>;
}
