import { addEvent, sessionKey, zeroCounters } from '../aggregation/spend-items';
import { compareSequenceNumbers, lowestSequenceNumber } from '../sequence';
import {
  groupBy,
  MAX_CONDITIONAL_ATTEMPTS,
  type Positioned,
  WatermarkConflictError,
  type WriteTally,
} from './batch-model';
import { mapWithConcurrency } from './concurrency';
import type { SpendStore } from './ports';

// Keeps each session update's expression under DynamoDB's 4 KB expression limit.
const CLAIMS_PER_UPDATE = 40;

export interface ClaimDependencies {
  store: SpendStore;
  concurrency: number;
  ttlMs: number;
  tally: WriteTally;
  onWriteError?: (error: unknown, context: Record<string, unknown>) => void;
}

export interface ClaimOutcome {
  /** The events that count: each holds the claim on its event id, in stream order. */
  firsts: Positioned[];
  duplicates: number;
  /** The lowest position whose session write failed: its duplicate status is unknown. */
  firstFailure?: string;
}

const chunk = <T>(items: T[], size: number): T[][] => {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
};

/**
 * Claims every event's id on its session item, in the same atomic update that adds its cost to the
 * session. An event counts only where the claim holds its own position: a producer's duplicate never
 * counts, and a retried original (whose earlier attempt left the claim) always does.
 */
export const claimOnSessions = async (
  events: Positioned[],
  deps: ClaimDependencies,
): Promise<ClaimOutcome> => {
  const firsts: Positioned[] = [];
  const failures: string[] = [];
  let duplicates = 0;
  await mapWithConcurrency(
    [...groupBy(events, (c) => c.event.sessionId).values()],
    deps.concurrency,
    async (session) => {
      const seen = new Set<string>();
      const unique: Positioned[] = [];
      for (const c of session) {
        if (seen.has(c.event.eventId)) duplicates += 1;
        else {
          seen.add(c.event.eventId);
          unique.push(c);
        }
      }
      for (const part of chunk(unique, CLAIMS_PER_UPDATE)) {
        try {
          const outcome = await claimPart(part, deps);
          firsts.push(...outcome.firsts);
          duplicates += outcome.duplicates;
        } catch (error) {
          deps.onWriteError?.(error, { write: 'session', sessionId: part[0]?.event.sessionId });
          const lowest = lowestSequenceNumber(part.map((c) => c.sequence));
          if (lowest !== undefined) failures.push(lowest);
        }
      }
    },
  );
  firsts.sort((a, b) => compareSequenceNumbers(a.sequence, b.sequence));
  const firstFailure = lowestSequenceNumber(failures);
  return firstFailure === undefined ? { firsts, duplicates } : { firsts, duplicates, firstFailure };
};

const claimPart = async (
  part: Positioned[],
  deps: ClaimDependencies,
): Promise<{ firsts: Positioned[]; duplicates: number }> => {
  const firsts: Positioned[] = [];
  let duplicates = 0;
  let pending = part;
  for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS && pending.length > 0; attempt += 1) {
    const counters = zeroCounters();
    for (const c of pending) addEvent(counters, c.event);
    const { sessionId } = (pending[0] as Positioned).event;
    const outcome = await deps.store.applySession({
      key: sessionKey(sessionId),
      sessionId,
      intents: [...new Set(pending.map((c) => c.event.intent))],
      counters,
      lastEventAt: Math.max(...pending.map((c) => c.event.occurredAt)),
      // Storage lifetime runs from arrival, not event time: a replayed old day must keep its claims.
      expiresAt: Math.floor((Math.max(...pending.map((c) => c.record.arrivedAt)) + deps.ttlMs) / 1_000),
      claims: pending.map((c) => ({ eventId: c.event.eventId, recordRef: c.recordRef })),
    });
    deps.tally.sessions += 1;
    if (outcome.kind === 'applied') return { firsts: [...firsts, ...pending], duplicates };
    deps.tally.conditionalRetries += 1;
    const unclaimed: Positioned[] = [];
    for (const c of pending) {
      const holder = outcome.claims.get(c.event.eventId);
      if (holder === undefined) unclaimed.push(c);
      else if (holder === c.recordRef) firsts.push(c);
      else duplicates += 1;
    }
    if (unclaimed.length === pending.length) throw new WatermarkConflictError(`session ${sessionId}`);
    pending = unclaimed;
  }
  if (pending.length > 0) throw new WatermarkConflictError('session claims');
  return { firsts, duplicates };
};
