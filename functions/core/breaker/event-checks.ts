import { createHash } from 'node:crypto';
import type { PricedCostEvent } from '../events/cost-event';
import { UNATTRIBUTED } from '../events/invocation-log';
import { formatUsd } from '../money';
import { quarterLabel, utcDay, utcQuarter } from '../time';
import type { CheckConfig } from './config';
import type { FindingCounts } from './incidents';
import { type Check, executionName, MAX_IDS, type Trigger } from './trigger';

/** A session's running cost, as the ingestion keeps it. */
export interface SessionCost {
  sessionId: string;
  intents: string[];
  costNano: number;
  lastEventAt: number;
}

interface Finding {
  at: number;
  id: string;
  value: number;
  /** The incident subject: `model:<id>` for per-call checks, `intent:<name>` for conversations. */
  subject: string;
  sessionId: string;
  costNano: number;
  /** Calls behind it: one for a per-call finding, the batch's calls of the session for a spike. */
  calls?: number;
}

/**
 * How far a correct producer's figure can be off by rounding alone: v1's logger writes dollars to six
 * places for input, output and their sum, up to $0.0000015 apart, which is over 1% of a cheap call.
 */
const V1_ROUNDING_NANO = 1_500;
const roundingOf = (e: PricedCostEvent): number => (e.schemaVersion === '1' ? V1_ROUNDING_NANO : 0);

const promptTokens = (e: PricedCostEvent): number =>
  e.inputTokens + e.cacheReadTokens + e.cacheWriteTokens + e.cacheWrite1hTokens;

const countsOfFindings = (found: readonly Finding[], largest: number): FindingCounts => ({
  calls: found.reduce((sum, f) => sum + (f.calls ?? 1), 0),
  sessions: new Set(found.map((f) => f.sessionId)).size,
  spend_nano: found.reduce((sum, f) => sum + f.costNano, 0),
  largest,
});

/**
 * One trigger per check, subject and 15-minute window of event time, listing what it found there
 * with its counts; the incidents (incidents.ts) decide which of them FinOps hears about.
 */
const perWindow = (
  check: Check,
  findings: Finding[],
  describe: (
    worst: Finding,
    count: number,
  ) => Omit<Trigger, 'id' | 'check' | 'event_time' | 'day' | 'ids' | 'severity'>,
): Trigger[] => {
  const windows = new Map<string, Finding[]>();
  for (const f of findings) {
    const key = `${utcDay(f.at)}T${quarterLabel(utcQuarter(f.at)).replace(':', '')}|${f.subject}`;
    windows.set(key, [...(windows.get(key) ?? []), f]);
  }
  return [...windows.entries()].map(([key, found]) => {
    const [window = '', subject = ''] = key.split('|');
    const sorted = [...found].sort((a, b) => b.value - a.value || a.id.localeCompare(b.id));
    const worst = sorted[0] as Finding;
    const first = Math.min(...found.map((f) => f.at));
    const hash = createHash('sha256').update(subject).digest('hex').slice(0, 10);
    return {
      id: executionName(check, window, hash),
      check,
      severity: 'warning',
      event_time: new Date(first).toISOString(),
      day: utcDay(first),
      ids: [...new Set(sorted.map((f) => f.id))].slice(0, MAX_IDS),
      subject,
      counts: countsOfFindings(found, worst.value),
      ...describe(worst, found.length),
    };
  });
};

/** What an estimate is about: the model the catalog lacks, or the region it does not know. */
const unpricedSubject = (e: PricedCostEvent): string =>
  e.estimateReason === 'unknown_region' ? `region ${e.region}` : e.modelId;

/**
 * One `unpriced_model` alert per subject and UTC day, whatever the number of events: its execution name
 * holds a hash of the subject, since model ids and ARNs can pass the 80 characters a name may have.
 */
const unpricedTriggers = (events: readonly PricedCostEvent[]): Trigger[] => {
  const groups = new Map<string, { day: string; subject: string; events: PricedCostEvent[] }>();
  for (const e of events) {
    if (!e.estimated) continue;
    const day = utcDay(e.occurredAt);
    const subject = unpricedSubject(e);
    const key = `${day}|${subject}`;
    const group = groups.get(key) ?? { day, subject, events: [] };
    group.events.push(e);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ day, subject, events: found }) => {
    const estimateNano = found.reduce((sum, e) => sum + e.costNano, 0);
    const first = Math.min(...found.map((e) => e.occurredAt));
    const hash = createHash('sha256').update(subject).digest('hex').slice(0, 12);
    return {
      id: executionName('unpriced_model', day, subject.slice(0, 40), hash),
      check: 'unpriced_model',
      severity: 'warning',
      metric: 'estimated_cost_nano',
      value: estimateNano,
      threshold: 0,
      event_time: new Date(first).toISOString(),
      day,
      ids: found.map((e) => e.eventId).slice(0, MAX_IDS),
      subject: subject.startsWith('region ') ? subject.replace(' ', ':') : `model:${subject}`,
      counts: {
        calls: found.length,
        sessions: new Set(found.map((e) => e.sessionId)).size,
        spend_nano: estimateNano,
        largest: Math.max(...found.map((e) => e.costNano)),
      },
      summary: `${found.length} event(s) on ${subject} not in the price catalog (${found[0]?.priceTable}), counted at a ceiling: $${formatUsd(estimateNano, 6)} estimated`,
    };
  });
};

/**
 * The per-event and per-session checks of DESIGN 5 over what one batch counted: token explosion, cost
 * mismatch (reported vs computed) and conversation spike. Pure and order-independent.
 */
export const eventTriggers = (
  events: readonly PricedCostEvent[],
  sessions: readonly SessionCost[],
  config: CheckConfig,
): Trigger[] => {
  const explosions: Finding[] = [];
  const mismatches: Finding[] = [];
  for (const e of events) {
    const tokens = promptTokens(e);
    const about = { subject: `model:${e.modelId}`, sessionId: e.sessionId, costNano: e.costNano };
    if (tokens > config.tokenExplosionTokens)
      explosions.push({ at: e.occurredAt, id: e.eventId, value: tokens, ...about });
    // An estimate is ours, not the producer's: comparing it with the reported figure says nothing.
    if (e.reportedCostNano !== null && e.costNano > 0 && !e.estimated) {
      const diff = Math.abs(e.reportedCostNano - e.costNano);
      if (diff > roundingOf(e) && diff * 10_000 > e.costNano * config.mismatchBp) {
        mismatches.push({
          at: e.occurredAt,
          id: e.eventId,
          value: Math.round((diff * 10_000) / e.costNano) / 100,
          ...about,
        });
      }
    }
  }
  const batchCost = new Map<string, { calls: number; costNano: number }>();
  for (const e of events) {
    const seen = batchCost.get(e.sessionId) ?? { calls: 0, costNano: 0 };
    batchCost.set(e.sessionId, { calls: seen.calls + 1, costNano: seen.costNano + e.costNano });
  }
  const spikes: Finding[] = [];
  for (const s of sessions) {
    // Calls whose invocation-log metadata named no session are one bucket, not a conversation.
    if (s.sessionId === UNATTRIBUTED) continue;
    const priced = s.intents.flatMap((intent) => {
      const average = config.intentConversationNano[intent];
      return average === undefined ? [] : [{ intent, average }];
    });
    if (priced.length === 0) continue;
    // The dearest of its intents sets the bar, and names the incident.
    const { intent, average } = priced.reduce((a, b) => (b.average > a.average ? b : a));
    if (s.costNano > average * config.spikeFactor) {
      spikes.push({
        at: s.lastEventAt,
        id: s.sessionId,
        value: Math.round((s.costNano / average) * 10) / 10,
        subject: `intent:${intent}`,
        sessionId: s.sessionId,
        // What this batch's calls of the session cost: a session spiking again in the next window adds
        // only its new calls, so the incident's spend sums each call once.
        costNano: batchCost.get(s.sessionId)?.costNano ?? 0,
        calls: batchCost.get(s.sessionId)?.calls ?? 0,
      });
    }
  }
  return [
    ...unpricedTriggers(events),
    ...perWindow('token_explosion', explosions, (worst, n) => ({
      metric: 'prompt_tokens',
      value: worst.value,
      threshold: config.tokenExplosionTokens,
      summary: `${n} request(s) over ${config.tokenExplosionTokens} prompt tokens, the largest ${worst.value}`,
    })),
    ...perWindow('cost_mismatch', mismatches, (worst, n) => ({
      metric: 'reported_vs_computed_pct',
      value: worst.value,
      threshold: config.mismatchBp / 100,
      summary: `${n} event(s) report a cost off by more than ${config.mismatchBp / 100}% (worst ${worst.value}%)`,
    })),
    ...perWindow('conversation_spike', spikes, (worst, n) => ({
      metric: 'session_cost_vs_intent_average',
      value: worst.value,
      threshold: config.spikeFactor,
      summary: `${n} conversation(s) over ${config.spikeFactor}x their intent's average, the worst ${worst.value}x`,
    })),
  ];
};
