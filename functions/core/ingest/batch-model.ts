import type { Contribution } from '../aggregation/fold';
import type { QuarantineReason } from '../events/decode';

/** A stream record as the use case needs it, whatever delivered it. */
export interface StreamRecord {
  shardId: string;
  sequenceNumber: string;
  partitionKey: string;
  arrivedAt: number;
  data: Uint8Array;
}

/** A valid event at its stream position (record sequence number + index within the record). */
export interface Positioned extends Contribution {
  record: StreamRecord;
}

/** An event (or a whole undecodable record) to quarantine, with why. */
export interface Quarantinable {
  record: StreamRecord;
  index: number;
  data: Uint8Array;
  reason: QuarantineReason;
  detail: string;
  version: string | null;
}

/** DynamoDB operations made while ingesting a batch, for metrics and the writes-per-event benchmark. */
export interface WriteTally {
  spendItems: number;
  /** Claims log entries put (one per batch unless its claims outgrow an item). */
  claimsLog: number;
  /** Session items persisted (only sessions past the persistence threshold). */
  sessions: number;
  quarantine: number;
  conditionalRetries: number;
  /** Reads of the claims log (one query per batch; a cold start reads the horizon). */
  claimsLogReads: number;
  /** Conditional puts of cross-shard request claims (invocation logs: one per distinct request). */
  requestClaims: number;
}

export const emptyTally = (): WriteTally => ({
  spendItems: 0,
  claimsLog: 0,
  sessions: 0,
  quarantine: 0,
  conditionalRetries: 0,
  claimsLogReads: 0,
  requestClaims: 0,
});

export class WatermarkConflictError extends Error {
  constructor(what: string) {
    super(`${what} kept changing under a single-writer shard; is ParallelizationFactor above 1?`);
    this.name = 'WatermarkConflictError';
  }
}

/** A conditional write that found the item moved is re-planned and retried at most this often. */
export const MAX_CONDITIONAL_ATTEMPTS = 4;

export const groupBy = <T>(items: readonly T[], keyOf: (item: T) => string): Map<string, T[]> => {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [item]);
    else group.push(item);
  }
  return groups;
};
