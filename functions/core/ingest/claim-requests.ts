import { compareSequenceNumbers, isAfter } from '../sequence';
import type { Positioned, WriteTally } from './batch-model';
import { mapWithConcurrency } from './concurrency';
import type { RequestClaims } from './ports';

export interface RequestClaimDependencies {
  claims: RequestClaims;
  /** A claim outlives its record's arrival by this much. */
  ttlMs: number;
  concurrency: number;
  tally: WriteTally;
  onWriteError?: (error: unknown, context: Record<string, unknown>) => void;
}

export interface RequestClaimOutcome {
  /** Events whose request this position holds, in stream order: the only ones that may count. */
  held: Positioned[];
  duplicates: number;
  /** The lowest position whose claim failed: nothing at or after it is decided in this attempt. */
  firstFailure?: string;
}

/**
 * Claims each event's request across shards before anything is counted: one conditional put per
 * distinct request in the batch (the first occurrence in stream order; later ones in the batch are
 * duplicates without a write). An event counts only where its request is held by its own position, so
 * a retried or bisected batch counts its events again (the spend watermarks stop a second apply) while
 * a re-delivery at any other position, on any shard, never counts. Claiming before the spend write
 * cannot undercount: a failure after the claim leaves the claim with the position whose retry counts it.
 */
export const claimRequests = async (
  events: readonly Positioned[],
  deps: RequestClaimDependencies,
): Promise<RequestClaimOutcome> => {
  const ordered = [...events].sort((a, b) => compareSequenceNumbers(a.sequence, b.sequence));
  const firstOf = new Map<string, Positioned>();
  for (const c of ordered) if (!firstOf.has(c.event.requestId)) firstOf.set(c.event.requestId, c);
  const heldHere = new Set<Positioned>();
  const failures: string[] = [];
  await mapWithConcurrency([...firstOf.values()], deps.concurrency, async (c) => {
    try {
      const holder = await deps.claims.claim({
        requestId: c.event.requestId,
        shardId: c.record.shardId,
        position: c.sequence,
        expiresAt: Math.floor((c.record.arrivedAt + deps.ttlMs) / 1_000),
      });
      deps.tally.requestClaims += 1;
      if (holder.shardId === c.record.shardId && holder.position === c.sequence) heldHere.add(c);
    } catch (error) {
      deps.onWriteError?.(error, { write: 'request_claim', requestId: c.event.requestId });
      failures.push(c.sequence);
    }
  });
  const firstFailure = failures.sort(compareSequenceNumbers)[0];
  const decided = (c: Positioned): boolean => firstFailure === undefined || isAfter(firstFailure, c.sequence);
  const held: Positioned[] = [];
  let duplicates = 0;
  for (const c of ordered) {
    if (!decided(c)) continue;
    if (heldHere.has(c)) held.push(c);
    else duplicates += 1;
  }
  return firstFailure === undefined ? { held, duplicates } : { held, duplicates, firstFailure };
};
