import { isAfter } from '../sequence';
import type { ClaimsLogEntry } from './claims-log';
import type { SessionSpend } from './ports';

interface CachedSession {
  costNano: number;
  events: number;
  lastEventAt: number;
  /** Intent -> number of cached entries that name it, so eviction can drop an intent no longer seen. */
  intents: Map<string, number>;
}

/** The key of an event's claim: event ids are unique within a session. Identifiers never hold a space. */
export const claimKey = (sessionId: string, eventId: string): string => `${sessionId} ${eventId}`;

/**
 * What one container knows of a shard's claims log: the claims and session running costs of the
 * entries that arrived within the horizon, and where the log ends. A projection of the log only: it
 * changes when an entry is read or written, never by counting, so every container reading the same log
 * over the same horizon holds the same state.
 */
export class ShardClaimsCache {
  /** Whether the horizon has been loaded from the log (a cold start has not). */
  loaded = false;
  /** The first position (sort key) of the newest entry known: the next refresh reads after it. */
  newestEntry: string | undefined;
  /** The highest position any known entry claims: new claims are always after it. */
  highWater: string | undefined;
  /** The latest record arrival seen, the clock of the horizon. */
  latestArrival = Number.NEGATIVE_INFINITY;

  private readonly entries: ClaimsLogEntry[] = [];
  private readonly claims = new Map<string, string>();
  private readonly sessions = new Map<string, CachedSession>();

  /** Adds an entry read from or written to the log; entries come in log order. */
  apply(entry: ClaimsLogEntry): void {
    if (this.newestEntry === undefined || isAfter(entry.firstPosition, this.newestEntry))
      this.newestEntry = entry.firstPosition;
    if (this.highWater === undefined || isAfter(entry.lastPosition, this.highWater))
      this.highWater = entry.lastPosition;
    this.entries.push(entry);
    for (const logged of entry.sessions) {
      for (const c of logged.claims) this.claims.set(claimKey(logged.sessionId, c.eventId), c.position);
      let session = this.sessions.get(logged.sessionId);
      if (session === undefined) {
        session = { costNano: 0, events: 0, lastEventAt: logged.lastEventAt, intents: new Map() };
        this.sessions.set(logged.sessionId, session);
      }
      session.costNano += logged.costNano;
      session.events += logged.claims.length;
      session.lastEventAt = Math.max(session.lastEventAt, logged.lastEventAt);
      for (const intent of logged.intents)
        session.intents.set(intent, (session.intents.get(intent) ?? 0) + 1);
    }
  }

  /**
   * Forgets the entries that arrived before `cutoff`, oldest first. Entries are in log order, which is
   * arrival order, so it stops at the first one still inside the horizon.
   */
  evictArrivedBefore(cutoff: number): void {
    let drop = 0;
    while (drop < this.entries.length && (this.entries[drop] as ClaimsLogEntry).arrivedAt < cutoff) {
      this.forget(this.entries[drop] as ClaimsLogEntry);
      drop += 1;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }

  /** The position that claimed an event (by its `claimKey`), if any within the horizon. */
  holder(key: string): string | undefined {
    return this.claims.get(key);
  }

  /** A session's spend over the horizon, if it has any there. */
  session(sessionId: string): SessionSpend | undefined {
    const session = this.sessions.get(sessionId);
    if (session === undefined) return undefined;
    return {
      sessionId,
      intents: [...session.intents.keys()],
      costNano: session.costNano,
      events: session.events,
      lastEventAt: session.lastEventAt,
    };
  }

  /** Claims held, for tests and metrics. */
  get size(): number {
    return this.claims.size;
  }

  private forget(entry: ClaimsLogEntry): void {
    for (const logged of entry.sessions) {
      for (const c of logged.claims) {
        const key = claimKey(logged.sessionId, c.eventId);
        // A later entry may hold the same id (a duplicate that arrived after the horizon): keep its claim.
        if (this.claims.get(key) === c.position) this.claims.delete(key);
      }
      const session = this.sessions.get(logged.sessionId);
      if (session === undefined) continue;
      session.costNano -= logged.costNano;
      session.events -= logged.claims.length;
      for (const intent of logged.intents) {
        const left = (session.intents.get(intent) ?? 1) - 1;
        if (left > 0) session.intents.set(intent, left);
        else session.intents.delete(intent);
      }
      if (session.events <= 0) this.sessions.delete(logged.sessionId);
    }
  }
}
