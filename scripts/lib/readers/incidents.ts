import { DynamoDbIncidentStore } from '../../../functions/adapters/dynamodb/dynamodb-incident-store';
import type { Incident } from '../../../functions/core/breaker/incidents';
import type { StageContext } from '../stage';

/** One incident as `ccb alerts` lists it: what it is about, its state and what it counted. */
export interface IncidentRow {
  day: string;
  check: string;
  subject: string;
  state: Incident['state'];
  severity: string;
  opened_at: string;
  last_event_at: string;
  messages: number;
  last_message: string;
  calls: number;
  sessions: number;
  spend_nano: number;
  largest: number;
  /** Counted since the last message, reported in the next one. */
  pending_calls: number;
}

export const readIncidents = async (context: StageContext, day?: string): Promise<IncidentRow[]> => {
  const store = new DynamoDbIncidentStore(context.dynamodb, context.resources.breakerTable);
  const days = day === undefined ? await store.list() : [await store.load(day)];
  return days.flatMap((d) =>
    Object.values(d.incidents)
      .sort((a, b) => a.opened_at.localeCompare(b.opened_at) || a.key.localeCompare(b.key))
      .map((i) => ({
        day: i.day,
        check: i.check,
        subject: i.subject,
        state: i.state,
        severity: i.severity,
        opened_at: i.opened_at,
        last_event_at: i.last_event_at,
        messages: i.last_message.seq,
        last_message: `${i.last_message.kind} at ${i.last_message.at}`,
        calls: i.total.calls,
        sessions: i.total.sessions,
        spend_nano: i.total.spend_nano,
        largest: i.total.largest,
        pending_calls: i.pending.calls,
      })),
  );
};
