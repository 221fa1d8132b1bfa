import { createHash } from 'node:crypto';
import { formatUsd } from '../money';
import { type Check, executionName, MAX_IDS, type Severity, type Trigger } from './trigger';

/** What the findings since a message added up to; summed across triggers, so sessions is an upper bound. */
export interface FindingCounts {
  calls: number;
  sessions: number;
  spend_nano: number;
  largest: number;
}

export const NO_COUNTS: FindingCounts = { calls: 0, sessions: 0, spend_nano: 0, largest: 0 };

export const addCounts = (a: FindingCounts, b: FindingCounts): FindingCounts => ({
  calls: a.calls + b.calls,
  sessions: a.sessions + b.sessions,
  spend_nano: a.spend_nano + b.spend_nano,
  largest: Math.max(a.largest, b.largest),
});

export interface IncidentConfig {
  /** An update goes out when the largest finding reaches this many times the one last reported. */
  growthFactor: number;
  /** At most one digest per this much event time while the incident stays open. */
  digestPeriodMs: number;
  /** No finding for this long resolves the incident. */
  quietMs: number;
}

const HOUR_MS = 3_600_000;

/**
 * A day-long runaway then costs FinOps an onset, two digests (one per 8-hour shift) and a resolution
 * per incident; growth by 2x is a different problem worth a message of its own; three hours of quiet
 * is a real stop, where one hour let sparse spikes (a few sessions an hour) resolve and reopen.
 */
export const DEFAULT_INCIDENT_CONFIG: IncidentConfig = {
  growthFactor: 2,
  digestPeriodMs: 8 * HOUR_MS,
  quietMs: 3 * HOUR_MS,
};

export type MessageKind = 'onset' | 'update' | 'digest' | 'resolved';

/** What an incident message adds to its trigger: which message it is and the counts it carries. */
export interface IncidentMessage {
  key: string;
  subject: string;
  kind: MessageKind;
  seq: number;
  /** Everything found since the previous message of this incident (the onset: since it opened). */
  since: FindingCounts;
  /** Everything found since it opened. */
  total: FindingCounts;
  opened_at: string;
}

export interface Incident {
  key: string;
  check: Check;
  subject: string;
  day: string;
  state: 'open' | 'resolved';
  severity: Severity;
  metric: string;
  threshold: number;
  opened_at: string;
  last_event_at: string;
  last_message: { seq: number; kind: MessageKind; at: string; severity: Severity; magnitude: number };
  /** Found since the last message, not yet reported. */
  pending: FindingCounts;
  pending_ids: string[];
  total: FindingCounts;
  /**
   * The latest messages, handed to Step Functions again on every evaluation until a start succeeds:
   * their names are idempotency keys, so a repeat is a no-op and a failed start is not a lost message.
   */
  outbox: Trigger[];
}

/** One UTC day's incidents: one item, changed only by compare-and-set on its version. */
export interface IncidentDay {
  day: string;
  version: number;
  incidents: Record<string, Incident>;
}

const OUTBOX = 3;
const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, critical: 2 };

export const emptyIncidentDay = (day: string): IncidentDay => ({ day, version: 0, incidents: {} });

/** The subject a trigger is about: the day's budget unless its check names a model, intent or session. */
export const subjectOf = (trigger: Trigger): string => trigger.subject ?? 'budget';

export const incidentKey = (check: Check, subject: string, day: string): string =>
  `${check}|${subject}|${day}`;

const hashOf = (text: string): string => createHash('sha256').update(text).digest('hex').slice(0, 10);

/** What a trigger found; one made before counts existed is one call of its value. */
export const countsOf = (trigger: Trigger): FindingCounts =>
  trigger.counts ?? { calls: 1, sessions: 0, spend_nano: 0, largest: trigger.value };

const describe = (kind: MessageKind, incident: Incident, since: FindingCounts): string => {
  const found =
    `${since.calls} call(s), ${since.sessions} session(s), $${formatUsd(since.spend_nano, 4)}, ` +
    `the largest ${since.largest}`;
  const lead = kind === 'onset' ? 'new' : kind;
  return `${lead}: ${incident.check} on ${incident.subject}: ${found} (${incident.total.calls} call(s) today)`;
};

const message = (
  incident: Incident,
  kind: MessageKind,
  seq: number,
  at: string,
  since: FindingCounts,
  summary = describe(kind, incident, since),
): Trigger => ({
  id: executionName('incident', incident.check, incident.day, hashOf(incident.key), `m${seq}`),
  check: incident.check,
  severity: kind === 'resolved' ? 'info' : incident.severity,
  metric: incident.metric,
  value: since.largest,
  threshold: incident.threshold,
  event_time: at,
  day: incident.day,
  subject: incident.subject,
  ...(incident.pending_ids.length > 0 && { ids: incident.pending_ids.slice(0, MAX_IDS) }),
  counts: since,
  incident: {
    key: incident.key,
    subject: incident.subject,
    kind,
    seq,
    since,
    total: incident.total,
    opened_at: incident.opened_at,
  },
  summary,
});

/** Reports what is pending as message `kind`: the counts start again from zero. */
const send = (
  incident: Incident,
  kind: MessageKind,
  at: string,
  summary?: string,
): { incident: Incident; sent: Trigger } => {
  const seq = incident.last_message.seq + 1;
  const sent = message(incident, kind, seq, at, incident.pending, summary);
  const magnitude = Math.max(incident.last_message.magnitude, incident.pending.largest);
  return {
    sent,
    incident: {
      ...incident,
      state: kind === 'resolved' ? 'resolved' : 'open',
      last_message: { seq, kind, at, severity: sent.severity, magnitude },
      pending: NO_COUNTS,
      pending_ids: [],
      outbox: [...incident.outbox, sent].slice(-OUTBOX),
    },
  };
};

const laterOf = (a: string, b: string): string => (a >= b ? a : b);

/**
 * Folds one trigger into its incident and says which message, if any, FinOps gets now: the onset of a
 * new (or resolved) incident; an update when severity rose or the largest finding grew by the factor
 * since the last message; a digest once a period of event time has passed since the last message.
 * Anything else waits in `pending` for the next message. Pure: the time is the trigger's event time.
 */
export const foldTrigger = (
  incident: Incident | undefined,
  trigger: Trigger,
  config: IncidentConfig,
): { incident: Incident; sent?: Trigger } => {
  const counts = countsOf(trigger);
  const subject = subjectOf(trigger);
  const at = trigger.event_time;
  const ids = [...(incident?.state === 'open' ? incident.pending_ids : []), ...(trigger.ids ?? [])];
  if (incident === undefined || incident.state === 'resolved') {
    const opened: Incident = {
      key: incidentKey(trigger.check, subject, trigger.day),
      check: trigger.check,
      subject,
      day: trigger.day,
      state: 'open',
      severity: trigger.severity,
      metric: trigger.metric,
      threshold: trigger.threshold,
      opened_at: at,
      last_event_at: at,
      last_message: incident?.last_message ?? { seq: 0, kind: 'onset', at, severity: 'info', magnitude: 0 },
      pending: counts,
      pending_ids: [...new Set(ids)].slice(0, MAX_IDS),
      total: addCounts(incident?.total ?? NO_COUNTS, counts),
      outbox: incident?.outbox ?? [],
    };
    // The onset keeps the check's own words (which model, what estimate): the first thing FinOps reads.
    return send(opened, 'onset', at, `new: ${trigger.summary}`);
  }
  const rank = SEVERITY_RANK[trigger.severity];
  const next: Incident = {
    ...incident,
    severity: rank > SEVERITY_RANK[incident.severity] ? trigger.severity : incident.severity,
    last_event_at: laterOf(incident.last_event_at, at),
    pending: addCounts(incident.pending, counts),
    pending_ids: [...new Set(ids)].slice(0, MAX_IDS),
    total: addCounts(incident.total, counts),
  };
  const last = incident.last_message;
  const grew = last.magnitude > 0 && counts.largest >= last.magnitude * config.growthFactor;
  if (rank > SEVERITY_RANK[last.severity] || grew) {
    return send(next, 'update', at);
  }
  if (Date.parse(at) - Date.parse(last.at) >= config.digestPeriodMs) return send(next, 'digest', at);
  return { incident: next };
};

/** Resolves the open incidents with no finding for the quiet time before `atMs`, each with what was pending. */
export const resolveQuiet = (
  day: IncidentDay,
  atMs: number,
  config: IncidentConfig,
): { day: IncidentDay; sent: Trigger[] } => {
  const incidents = { ...day.incidents };
  const sent: Trigger[] = [];
  for (const [key, incident] of Object.entries(day.incidents)) {
    if (incident.state !== 'open' || atMs - Date.parse(incident.last_event_at) < config.quietMs) continue;
    const resolved = send(
      incident,
      'resolved',
      new Date(Date.parse(incident.last_event_at) + config.quietMs).toISOString(),
    );
    incidents[key] = resolved.incident;
    sent.push(resolved.sent);
  }
  return { day: { ...day, incidents }, sent };
};

/** Folds a batch's triggers of one day into that day's incidents, then resolves the quiet ones. */
export const foldDay = (
  day: IncidentDay,
  triggers: readonly Trigger[],
  atMs: number,
  config: IncidentConfig,
): { day: IncidentDay; sent: Trigger[] } => {
  const incidents = { ...day.incidents };
  const sent: Trigger[] = [];
  const ordered = [...triggers].sort(
    (a, b) => a.event_time.localeCompare(b.event_time) || a.id.localeCompare(b.id),
  );
  for (const trigger of ordered) {
    const key = incidentKey(trigger.check, subjectOf(trigger), trigger.day);
    const folded = foldTrigger(incidents[key], trigger, config);
    incidents[key] = folded.incident;
    if (folded.sent !== undefined) sent.push(folded.sent);
  }
  const resolved = resolveQuiet({ ...day, incidents }, atMs, config);
  return { day: resolved.day, sent: [...sent, ...resolved.sent] };
};
