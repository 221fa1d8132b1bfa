import type { SessionCost } from '../../functions/core/breaker/event-checks';
import type { SpendSnapshot, SpendSnapshotSource } from '../../functions/core/breaker/ports';
import type { PricedCostEvent } from '../../functions/core/events/cost-event';
import { startOfUtcDay, utcDay, utcHour, utcQuarter } from '../../functions/core/time';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/** A session idle this long is forgotten; conversations pause for tens of seconds, not an hour. */
const SESSION_IDLE_MS = HOUR_MS;

interface DaySpend {
  spentNano: number;
  quarters: Float64Array;
  /** Quarters that received an event (a zero-cost one counts: DynamoDB would hold its item). */
  touched: Uint8Array;
}

interface SessionState {
  intents: Set<string>;
  costNano: number;
  lastEventAt: number;
}

/**
 * The spend items the checks read, kept in memory in event time: each day's total and 15-minute
 * buckets, as DynamoDB holds them, for the days the checks can still ask about (the current one and the
 * velocity history), plus each session's running cost. Memory stays flat however long the replay.
 */
export class ReplaySpend implements SpendSnapshotSource {
  private readonly days = new Map<string, DaySpend>();
  private readonly sessions = new Map<string, SessionState>();
  /** Spend by hour since the epoch: a number key, formatted only for the report. */
  private readonly hourly = new Map<number, number>();

  constructor(private readonly historyDays: number) {}

  /** Counts one event; returns the day's spend after it. */
  add(event: PricedCostEvent): number {
    const day = utcDay(event.occurredAt);
    let spend = this.days.get(day);
    if (spend === undefined) {
      spend = { spentNano: 0, quarters: new Float64Array(96), touched: new Uint8Array(96) };
      this.days.set(day, spend);
      this.forgetBefore(startOfUtcDay(day) - this.historyDays * DAY_MS);
    }
    const quarter = utcQuarter(event.occurredAt);
    spend.spentNano += event.costNano;
    spend.quarters[quarter] = (spend.quarters[quarter] ?? 0) + event.costNano;
    spend.touched[quarter] = 1;
    const hour = Math.floor(event.occurredAt / HOUR_MS);
    this.hourly.set(hour, (this.hourly.get(hour) ?? 0) + event.costNano);

    const session = this.sessions.get(event.sessionId) ?? {
      intents: new Set<string>(),
      costNano: 0,
      lastEventAt: event.occurredAt,
    };
    session.intents.add(event.intent);
    session.costNano += event.costNano;
    session.lastEventAt = Math.max(session.lastEventAt, event.occurredAt);
    this.sessions.set(event.sessionId, session);
    return spend.spentNano;
  }

  /** The running cost of the sessions a batch touched, as the ingestion hands them to the checks. */
  sessionCosts(ids: Iterable<string>): SessionCost[] {
    const found: SessionCost[] = [];
    for (const sessionId of ids) {
      const s = this.sessions.get(sessionId);
      if (s !== undefined)
        found.push({ sessionId, intents: [...s.intents], costNano: s.costNano, lastEventAt: s.lastEventAt });
    }
    return found;
  }

  /** Drops sessions idle since before `atMs - SESSION_IDLE_MS`. */
  forgetIdleSessions(atMs: number): void {
    for (const [id, s] of this.sessions) if (s.lastEventAt < atMs - SESSION_IDLE_MS) this.sessions.delete(id);
  }

  spentNano(day: string): number {
    return this.days.get(day)?.spentNano ?? 0;
  }

  /** Spend per UTC hour (`YYYY-MM-DDTHH`), oldest first. */
  spendByHour(): [string, number][] {
    return [...this.hourly]
      .sort(([a], [b]) => a - b)
      .map(([hour, nano]) => [new Date(hour * HOUR_MS).toISOString().slice(0, 13), nano]);
  }

  async snapshot(day: string, atMs: number, historyDays: number): Promise<SpendSnapshot> {
    const spend = this.days.get(day);
    const quarters = new Map<number, number>();
    if (spend !== undefined)
      spend.touched.forEach((touched, q) => {
        if (touched === 1) quarters.set(q, spend.quarters[q] ?? 0);
      });
    // As the DynamoDB source reads it: the hour's four buckets on each earlier day with spend in it.
    const hour = utcHour(atMs);
    const sameHourHistory: number[] = [];
    for (let i = 1; i <= historyDays; i++) {
      const earlier = this.days.get(utcDay(startOfUtcDay(day) - i * DAY_MS));
      if (earlier === undefined) continue;
      const qs = [0, 1, 2, 3].map((q) => hour * 4 + q);
      if (qs.every((q) => earlier.touched[q] === 0)) continue;
      sameHourHistory.push(...qs.map((q) => earlier.quarters[q] ?? 0));
    }
    return { day, spentNano: spend?.spentNano ?? 0, quarters, sameHourHistory };
  }

  private forgetBefore(ms: number): void {
    for (const day of this.days.keys()) if (startOfUtcDay(day) < ms) this.days.delete(day);
  }
}
