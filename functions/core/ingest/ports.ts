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

/**
 * A session's running spend, persisted once it is expensive enough to matter to the spike check. The
 * values are set, not added, and the item remembers per shard the position they are as of: a write for
 * an earlier position than the item holds is superseded, so a retry can never move it backwards.
 */
export interface SessionSnapshot extends SessionSpend {
  key: ItemKey;
  shardId: string;
  /** The highest stream position of the session this snapshot includes. */
  position: string;
  expiresAt: number;
}

export type SessionSnapshotOutcome = 'applied' | 'superseded';

export interface SpendStore {
  applySpendItem(update: SpendItemUpdate): Promise<SpendItemOutcome>;
  putSession(snapshot: SessionSnapshot): Promise<SessionSnapshotOutcome>;
}

/** One write-once item of a shard's claims log; the core encodes and decodes its body. */
export interface ClaimsLogItem {
  shardId: string;
  /** The stream position of its first claim: its sort key. A shard's items are written in increasing order. */
  firstPosition: string;
  /** Latest arrival time (epoch ms) of the records it claims events of. */
  arrivedAt: number;
  /** Epoch seconds after which the store may delete it. */
  expiresAt: number;
  /** Number of claims in the body, for people reading the table. */
  claims: number;
  body: Uint8Array;
}

/**
 * The per-shard claims log: which event ids were claimed at which stream positions, with each batch's
 * session cost deltas. Reads are strongly consistent: a batch must see every item written before it.
 */
export interface ClaimsLog {
  /** Writes the item unless the shard already has one at that position; false when it had. */
  append(item: ClaimsLogItem): Promise<boolean>;
  /** The shard's items after a position (all items when absent), oldest first. */
  readAfter(shardId: string, afterPosition: string | undefined): Promise<ClaimsLogItem[]>;
  /** The shard's items newest first; the reader stops iterating once it has read far enough back. */
  readNewestFirst(shardId: string): AsyncIterable<ClaimsLogItem>;
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

/** A stream position that claims a request: the one place its spend may count. */
export interface RequestHolder {
  shardId: string;
  position: string;
}

export interface RequestClaim extends RequestHolder {
  requestId: string;
  /** Epoch seconds after which the store may delete the claim. */
  expiresAt: number;
}

/**
 * Claims of requests across every shard, for sources whose duplicates may land on any shard (invocation
 * logs: CloudWatch Logs picks the partition keys). A claim is keyed by the request and holds a stream
 * position, never just "seen", so a retry of the holder finds its own claim and counts again.
 */
export interface RequestClaims {
  /** Claims the request for the position unless it is held; returns its holder (this one when claimed). */
  claim(claim: RequestClaim): Promise<RequestHolder>;
}
