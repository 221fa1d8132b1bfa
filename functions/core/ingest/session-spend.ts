import { sessionKey } from '../aggregation/spend-items';
import type { Positioned } from './batch-model';
import type { ShardClaimsCache } from './claims-cache';
import type { SessionSnapshot, SessionSpend } from './ports';

/** A session touched by a batch: its spend after the batch, and what the batch holds of it. */
export interface TouchedSession {
  spend: SessionSpend;
  /** The session's lowest counted position in the batch: where a failed snapshot resumes. */
  firstPosition: string;
  snapshot: Omit<SessionSnapshot, keyof SessionSpend>;
}

/**
 * The spend of every session a batch's counted events touch, from the cache (the running cost within the
 * horizon, including this batch's claims). An event that counted without a claim (its own or its
 * original's fell out of the horizon) is not in the cache: a session the cache no longer holds at all is
 * reported with what the batch holds of it.
 */
export const touchedSessions = (
  shardId: string,
  counted: readonly Positioned[],
  cache: ShardClaimsCache,
  ttlMs: number,
): TouchedSession[] => {
  const batch = new Map<string, { events: Positioned[]; arrivedAt: number }>();
  for (const c of counted) {
    const session = batch.get(c.event.sessionId);
    if (session === undefined) batch.set(c.event.sessionId, { events: [c], arrivedAt: c.record.arrivedAt });
    else {
      session.events.push(c);
      session.arrivedAt = Math.max(session.arrivedAt, c.record.arrivedAt);
    }
  }
  return [...batch].map(([sessionId, { events, arrivedAt }]) => {
    const first = events[0] as Positioned;
    const last = events[events.length - 1] as Positioned;
    const spend = cache.session(sessionId) ?? {
      sessionId,
      intents: [...new Set(events.map((c) => c.event.intent))],
      costNano: events.reduce((sum, c) => sum + c.event.costNano, 0),
      events: events.length,
      lastEventAt: events.reduce((latest, c) => Math.max(latest, c.event.occurredAt), first.event.occurredAt),
    };
    return {
      spend,
      firstPosition: first.sequence,
      snapshot: {
        key: sessionKey(sessionId),
        shardId,
        position: last.sequence,
        // Storage lifetime runs from arrival, not event time: a replayed old day must keep its sessions.
        expiresAt: Math.floor((arrivedAt + ttlMs) / 1_000),
      },
    };
  });
};
