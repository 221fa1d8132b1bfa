import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { eventIndexOfPosition, eventPosition, recordOfPosition } from '../events/record-payloads';
import { compareSequenceNumbers, isAfter } from '../sequence';
import type { Positioned } from './batch-model';
import type { ClaimsLogItem } from './ports';

/** An event id claimed at a stream position. */
export interface LoggedClaim {
  eventId: string;
  position: string;
}

/** What one log entry adds to a session: its claims and their cost. */
export interface LoggedSession {
  sessionId: string;
  intents: string[];
  costNano: number;
  lastEventAt: number;
  claims: LoggedClaim[];
}

/** A decoded claims log item. */
export interface ClaimsLogEntry {
  shardId: string;
  firstPosition: string;
  /** The highest position it claims. */
  lastPosition: string;
  arrivedAt: number;
  sessions: LoggedSession[];
}

/**
 * Uncompressed body bytes per log item. The body is stored deflated, which never grows text by more
 * than a few bytes per 64 KiB block, so with the keys and numbers the item stays under DynamoDB's
 * 400 KB limit.
 */
export const MAX_LOG_BODY_BYTES = 380_000;

// Body format, before deflate. Identifiers (session and event ids, intents) never hold spaces, '@',
// ',' or newlines (the schemas' identifier and label patterns), so they need no escaping:
//   v1
//   <record sequence number> <delta to the next> <delta> ...        the records its claims belong to
//   <sessionId> <intent>,<intent> <costNano> <lastEventAt> <eventId>@<record index>[.<event index>] ...
const FORMAT = 'v1';
// Upper bounds of a session line's fixed fields: a cost and an epoch-ms time of at most 16 digits each.
const SESSION_LINE_BYTES = 2 * 16 + 4;

interface PartSession {
  sessionId: string;
  intents: Set<string>;
  costNano: number;
  lastEventAt: number;
  claims: Positioned[];
}

interface Part {
  firstPosition: string;
  lastPosition: string;
  arrivedAt: number;
  records: Map<string, number>;
  sessions: Map<string, PartSession>;
  claims: number;
  bytes: number;
}

const digits = (n: number): number => String(n).length;

const newPart = (first: Positioned): Part => ({
  firstPosition: first.sequence,
  lastPosition: first.sequence,
  arrivedAt: first.record.arrivedAt,
  records: new Map(),
  sessions: new Map(),
  claims: 0,
  bytes: FORMAT.length + 1,
});

/** The body bytes a claim adds to a part, at most (record deltas are counted at full length). */
const bytesToAdd = (part: Part, c: Positioned): number => {
  const { sequenceNumber } = c.record;
  const recordIndex = part.records.get(sequenceNumber) ?? part.records.size;
  const index = eventIndexOfPosition(c.sequence);
  let bytes = c.event.eventId.length + 2 + digits(recordIndex) + (index === 0 ? 0 : 1 + digits(index));
  if (!part.records.has(sequenceNumber)) bytes += sequenceNumber.length + 1;
  const session = part.sessions.get(c.event.sessionId);
  if (session === undefined) bytes += c.event.sessionId.length + c.event.intent.length + SESSION_LINE_BYTES;
  else if (!session.intents.has(c.event.intent)) bytes += c.event.intent.length + 1;
  return bytes;
};

const addToPart = (part: Part, c: Positioned, bytes: number): void => {
  const { event, record } = c;
  if (!part.records.has(record.sequenceNumber)) part.records.set(record.sequenceNumber, part.records.size);
  let session = part.sessions.get(event.sessionId);
  if (session === undefined) {
    session = {
      sessionId: event.sessionId,
      intents: new Set(),
      costNano: 0,
      lastEventAt: event.occurredAt,
      claims: [],
    };
    part.sessions.set(event.sessionId, session);
  }
  session.intents.add(event.intent);
  session.costNano += event.costNano;
  session.lastEventAt = Math.max(session.lastEventAt, event.occurredAt);
  session.claims.push(c);
  part.lastPosition = c.sequence;
  part.arrivedAt = Math.max(part.arrivedAt, record.arrivedAt);
  part.claims += 1;
  part.bytes += bytes;
};

const toEntry = (shardId: string, part: Part): ClaimsLogEntry => ({
  shardId,
  firstPosition: part.firstPosition,
  lastPosition: part.lastPosition,
  arrivedAt: part.arrivedAt,
  sessions: [...part.sessions.values()].map((s) => ({
    sessionId: s.sessionId,
    intents: [...s.intents],
    costNano: s.costNano,
    lastEventAt: s.lastEventAt,
    claims: s.claims.map((c) => ({ eventId: c.event.eventId, position: c.sequence })),
  })),
});

/**
 * Packs new claims (in stream order, each event at most once) into log entries whose bodies stay
 * within `maxBodyBytes`, in stream order: each entry starts after the previous one ends.
 */
export const planLogEntries = (
  shardId: string,
  claims: readonly Positioned[],
  maxBodyBytes = MAX_LOG_BODY_BYTES,
): ClaimsLogEntry[] => {
  const entries: ClaimsLogEntry[] = [];
  let part: Part | undefined;
  for (const c of claims) {
    let bytes = part === undefined ? 0 : bytesToAdd(part, c);
    if (part === undefined || (part.bytes + bytes > maxBodyBytes && part.claims > 0)) {
      if (part !== undefined) entries.push(toEntry(shardId, part));
      part = newPart(c);
      bytes = bytesToAdd(part, c);
    }
    addToPart(part, c, bytes);
  }
  if (part !== undefined) entries.push(toEntry(shardId, part));
  return entries;
};

/** The body text of an entry, before compression. */
export const encodeBodyText = (entry: ClaimsLogEntry): string => {
  const records = new Set<string>();
  for (const s of entry.sessions) for (const c of s.claims) records.add(recordOfPosition(c.position));
  const ordered = [...records].sort(compareSequenceNumbers);
  const recordIndex = new Map(ordered.map((sequence, i) => [sequence, i]));
  const recordLine = ordered.map((sequence, i) =>
    i === 0 ? sequence : String(BigInt(sequence) - BigInt(ordered[i - 1] as string)),
  );
  const lines = [FORMAT, recordLine.join(' ')];
  for (const s of entry.sessions) {
    const claims = s.claims.map((c) => {
      const index = eventIndexOfPosition(c.position);
      const at = recordIndex.get(recordOfPosition(c.position));
      return `${c.eventId}@${at}${index === 0 ? '' : `.${index}`}`;
    });
    lines.push(`${s.sessionId} ${s.intents.join(',')} ${s.costNano} ${s.lastEventAt} ${claims.join(' ')}`);
  }
  return lines.join('\n');
};

/** The log item for an entry: its body deflated. */
export const encodeLogItem = (entry: ClaimsLogEntry, expiresAt: number): ClaimsLogItem => ({
  shardId: entry.shardId,
  firstPosition: entry.firstPosition,
  arrivedAt: entry.arrivedAt,
  expiresAt,
  claims: entry.sessions.reduce((sum, s) => sum + s.claims.length, 0),
  body: deflateRawSync(encodeBodyText(entry)),
});

export class UnreadableLogItemError extends Error {
  constructor(item: Pick<ClaimsLogItem, 'shardId' | 'firstPosition'>, detail: string) {
    super(`claims log item ${item.shardId}/${item.firstPosition}: ${detail}`);
    this.name = 'UnreadableLogItemError';
  }
}

/** The entry a stored item holds. Throws on a body it cannot read: guessing would lose claims. */
export const decodeLogItem = (item: ClaimsLogItem): ClaimsLogEntry => {
  const lines = inflateRawSync(item.body).toString('utf8').split('\n');
  if (lines[0] !== FORMAT) throw new UnreadableLogItemError(item, `unknown format ${lines[0]?.slice(0, 10)}`);
  const records: string[] = [];
  let previous = 0n;
  for (const field of (lines[1] ?? '').split(' ')) {
    previous = records.length === 0 ? BigInt(field) : previous + BigInt(field);
    records.push(String(previous));
  }
  let lastPosition = item.firstPosition;
  const sessions = lines.slice(2).map((line): LoggedSession => {
    const [sessionId = '', intents = '', costNano = '', lastEventAt = '', ...claims] = line.split(' ');
    return {
      sessionId,
      intents: intents.split(','),
      costNano: Number(costNano),
      lastEventAt: Number(lastEventAt),
      claims: claims.map((claim) => {
        const at = claim.lastIndexOf('@');
        const [recordIndex = '', index = '0'] = claim.slice(at + 1).split('.');
        const record = records[Number(recordIndex)];
        if (at < 1 || record === undefined) throw new UnreadableLogItemError(item, `bad claim ${claim}`);
        const position = eventPosition(record, Number(index));
        if (isAfter(position, lastPosition)) lastPosition = position;
        return { eventId: claim.slice(0, at), position };
      }),
    };
  });
  return {
    shardId: item.shardId,
    firstPosition: item.firstPosition,
    lastPosition,
    arrivedAt: item.arrivedAt,
    sessions,
  };
};
