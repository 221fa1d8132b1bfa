import { compareSequenceNumbers, isAfter } from '../sequence';
import {
  MAX_CONDITIONAL_ATTEMPTS,
  type Positioned,
  WatermarkConflictError,
  type WriteTally,
} from './batch-model';
import { claimKey, type ShardClaimsCache } from './claims-cache';
import { type ClaimsLogEntry, decodeLogItem, encodeLogItem, planLogEntries } from './claims-log';
import type { ClaimsLog } from './ports';

// The log is kept this long after arrival beyond the horizon: a shard may run up to a day behind (the
// stream's retention and the mapping's maximum record age), and its claims must outlive that.
const MAX_SHARD_LAG_MS = 86_400_000;

export interface ClaimDependencies {
  log: ClaimsLog;
  /** Duplicates are recognised within this much arrival time. */
  horizonMs: number;
  maxBodyBytes: number;
  tally: WriteTally;
  onWriteError?: (error: unknown, context: Record<string, unknown>) => void;
}

export interface ClaimOutcome {
  /** The events that count (unclaimed, or claimed at their own position), in stream order. */
  counted: Positioned[];
  duplicates: number;
  /** The lowest position whose claim could not be logged: nothing at or after it is decided. */
  firstFailure?: string;
}

type Decision = 'counted' | 'duplicate' | 'new';

/**
 * Brings the cache up to date with the shard's log: on a cold start it loads the horizon, newest first,
 * down to the first entry that arrived before it; afterwards it reads what was written after the newest
 * entry it knows (usually nothing; another container's entries otherwise). Reads are strongly
 * consistent and one invocation per shard runs at a time, so every claim logged before is seen.
 */
export const refreshCache = async (
  shardId: string,
  cache: ShardClaimsCache,
  arrivedAt: number,
  deps: Pick<ClaimDependencies, 'log' | 'horizonMs' | 'tally'>,
): Promise<void> => {
  cache.latestArrival = Math.max(cache.latestArrival, arrivedAt);
  const cutoff = cache.latestArrival - deps.horizonMs;
  let entries: ClaimsLogEntry[];
  if (cache.loaded) {
    entries = (await deps.log.readAfter(shardId, cache.newestEntry)).map(decodeLogItem);
  } else {
    entries = [];
    for await (const item of deps.log.readNewestFirst(shardId)) {
      entries.push(decodeLogItem(item));
      // The newest entry outside the horizon is still applied: it tells where the log ends.
      if (item.arrivedAt < cutoff) break;
    }
    entries.reverse();
  }
  deps.tally.claimsLogReads += 1;
  for (const entry of entries) cache.apply(entry);
  cache.loaded = true;
  cache.evictArrivedBefore(cutoff);
};

/**
 * Decides each event against the claims known: unclaimed (a new claim), claimed at its own position (a
 * retry of this very event), or claimed elsewhere (a duplicate). The first occurrence in the batch wins.
 * An unclaimed event at or below the log's high-water mark counts without a new claim: its own claim,
 * or its original's, has left the horizon, and logging it would break the log's order.
 */
const decide = (events: readonly Positioned[], cache: ShardClaimsCache) => {
  const inBatch = new Map<string, string>();
  const decisions: Decision[] = [];
  const claims: Positioned[] = [];
  for (const c of events) {
    const key = claimKey(c.event.sessionId, c.event.eventId);
    const holder = cache.holder(key) ?? inBatch.get(key);
    if (holder !== undefined) {
      decisions.push(holder === c.sequence ? 'counted' : 'duplicate');
    } else {
      inBatch.set(key, c.sequence);
      if (cache.highWater === undefined || isAfter(c.sequence, cache.highWater)) {
        decisions.push('new');
        claims.push(c);
      } else decisions.push('counted');
    }
  }
  return { decisions, claims };
};

const outcome = (
  events: readonly Positioned[],
  decisions: readonly Decision[],
  firstFailure: string | undefined,
): ClaimOutcome => {
  const counted: Positioned[] = [];
  let duplicates = 0;
  events.forEach((c, i) => {
    if (firstFailure !== undefined && !isAfter(firstFailure, c.sequence)) return;
    if (decisions[i] === 'duplicate') duplicates += 1;
    else counted.push(c);
  });
  return firstFailure === undefined ? { counted, duplicates } : { counted, duplicates, firstFailure };
};

const inStreamOrder = (events: readonly Positioned[]): readonly Positioned[] => {
  for (let i = 1; i < events.length; i += 1) {
    if (isAfter((events[i - 1] as Positioned).sequence, (events[i] as Positioned).sequence))
      return [...events].sort((a, b) => compareSequenceNumbers(a.sequence, b.sequence));
  }
  return events;
};

/**
 * Claims a batch's events (one shard) in the shard's claims log before anything is counted: one
 * conditional put of a write-once entry per batch (more if the claims outgrow one item), in stream order.
 * A put that fails leaves the events at and after it undecided, so the spend items hold them back and
 * the batch resumes there; a retry finds the entries an earlier attempt logged and counts those events
 * as its own. A put that finds its position taken (another writer) re-reads the log and decides again.
 */
export const claimEvents = async (
  shardId: string,
  batch: readonly Positioned[],
  cache: ShardClaimsCache,
  deps: ClaimDependencies,
): Promise<ClaimOutcome> => {
  const events = inStreamOrder(batch);
  const first = events[0];
  if (first === undefined) return { counted: [], duplicates: 0 };
  const arrivedAt = events.reduce(
    (latest, c) => Math.max(latest, c.record.arrivedAt),
    first.record.arrivedAt,
  );
  try {
    await refreshCache(shardId, cache, arrivedAt, deps);
  } catch (error) {
    deps.onWriteError?.(error, { write: 'claims_log_read', shardId });
    return { counted: [], duplicates: 0, firstFailure: first.sequence };
  }
  for (let attempt = 1; ; attempt += 1) {
    const { decisions, claims } = decide(events, cache);
    let conflict: ClaimsLogEntry | undefined;
    for (const entry of planLogEntries(shardId, claims, deps.maxBodyBytes)) {
      const expiresAt = Math.floor((entry.arrivedAt + deps.horizonMs + MAX_SHARD_LAG_MS) / 1_000);
      try {
        const appended = await deps.log.append(encodeLogItem(entry, expiresAt));
        deps.tally.claimsLog += 1;
        if (!appended) {
          conflict = entry;
          break;
        }
      } catch (error) {
        deps.onWriteError?.(error, { write: 'claims_log', shardId, position: entry.firstPosition });
        return outcome(events, decisions, entry.firstPosition);
      }
      cache.apply(entry);
    }
    if (conflict === undefined) return outcome(events, decisions, undefined);
    deps.tally.conditionalRetries += 1;
    try {
      if (attempt === MAX_CONDITIONAL_ATTEMPTS) throw new WatermarkConflictError(`claims log of ${shardId}`);
      await refreshCache(shardId, cache, arrivedAt, deps);
    } catch (error) {
      deps.onWriteError?.(error, { write: 'claims_log', shardId, position: conflict.firstPosition });
      return outcome(events, decisions, conflict.firstPosition);
    }
  }
};
