import type { PricedCostEvent } from '../events/cost-event';
import { UNATTRIBUTED } from '../events/invocation-log';
import { formatUsd } from '../money';
import { quarterLabel, utcDay, utcQuarter } from '../time';
import type { CheckConfig } from './config';
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
}

const promptTokens = (e: PricedCostEvent): number =>
  e.inputTokens + e.cacheReadTokens + e.cacheWriteTokens + e.cacheWrite1hTokens;

/**
 * One trigger per check and 15-minute window of event time, listing what it found there: the alert
 * key is the window, so a storm of findings alerts once per window, and each alert names its ids.
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
    const key = `${utcDay(f.at)}T${quarterLabel(utcQuarter(f.at)).replace(':', '')}`;
    windows.set(key, [...(windows.get(key) ?? []), f]);
  }
  return [...windows.entries()].map(([window, found]) => {
    const sorted = [...found].sort((a, b) => b.value - a.value || a.id.localeCompare(b.id));
    const worst = sorted[0] as Finding;
    const first = Math.min(...found.map((f) => f.at));
    return {
      id: executionName(check, window),
      check,
      severity: 'warning',
      event_time: new Date(first).toISOString(),
      day: utcDay(first),
      ids: [...new Set(sorted.map((f) => f.id))].slice(0, MAX_IDS),
      ...describe(worst, found.length),
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
    if (tokens > config.tokenExplosionTokens)
      explosions.push({ at: e.occurredAt, id: e.eventId, value: tokens });
    if (e.reportedCostNano !== null && e.costNano > 0) {
      const diff = Math.abs(e.reportedCostNano - e.costNano);
      if (diff * 10_000 > e.costNano * config.mismatchBp) {
        mismatches.push({
          at: e.occurredAt,
          id: e.eventId,
          value: Math.round((diff * 10_000) / e.costNano) / 100,
        });
      }
    }
  }
  const spikes: Finding[] = [];
  for (const s of sessions) {
    // Calls whose invocation-log metadata named no session are one bucket, not a conversation.
    if (s.sessionId === UNATTRIBUTED) continue;
    const averages = s.intents.map((i) => config.intentConversationNano[i]).filter((n) => n !== undefined);
    if (averages.length === 0) continue;
    const average = Math.max(...averages);
    if (s.costNano > average * config.spikeFactor) {
      spikes.push({
        at: s.lastEventAt,
        id: s.sessionId,
        value: Math.round((s.costNano / average) * 10) / 10,
      });
    }
  }
  return [
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

export const describeSessionCost = (s: SessionCost): string => `${s.sessionId} ${formatUsd(s.costNano, 4)}`;
