import { utcDay } from '../time';
import { TransientError } from './errors';
import { foldDay, type IncidentConfig, type IncidentDay } from './incidents';
import type { IncidentStore } from './ports';
import type { Trigger } from './trigger';

const MAX_ATTEMPTS = 5;
const DAY_MS = 86_400_000;

export interface RecordedIncidents {
  /** Messages due now, plus the recent ones of every incident touched, to hand to Step Functions. */
  messages: Trigger[];
}

/**
 * Folds alert-only triggers into the incidents of their days and resolves the quiet ones at `atMs`
 * (the batch's latest event time, or the schedule's clock). Each day is one compare-and-set: on a lost
 * race it reads again and folds again, so two evaluators never count a finding twice or drop one.
 * The previous day is swept too, so yesterday's incidents resolve once today is quiet about them.
 */
export const createRecordIncidents =
  (deps: { store: IncidentStore; config: IncidentConfig }) =>
  async (triggers: readonly Trigger[], atMs: number): Promise<RecordedIncidents> => {
    const byDay = new Map<string, Trigger[]>();
    for (const day of [utcDay(atMs - DAY_MS), utcDay(atMs)]) byDay.set(day, []);
    for (const t of triggers) byDay.set(t.day, [...(byDay.get(t.day) ?? []), t]);
    const messages: Trigger[] = [];
    for (const [day, found] of [...byDay].sort(([a], [b]) => a.localeCompare(b))) {
      messages.push(...(await recordDay(deps, day, found, atMs)));
    }
    return { messages };
  };

const recordDay = async (
  deps: { store: IncidentStore; config: IncidentConfig },
  day: string,
  triggers: readonly Trigger[],
  atMs: number,
): Promise<Trigger[]> => {
  for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt += 1) {
    const stored = await deps.store.load(day);
    const { day: next, sent } = foldDay(stored, triggers, atMs, deps.config);
    const outbox = (d: IncidentDay) => Object.values(d.incidents).flatMap((incident) => incident.outbox);
    if (triggers.length === 0 && sent.length === 0) return outbox(stored);
    if ((await deps.store.save({ ...next, version: stored.version + 1 }, stored.version)) === 'saved') {
      return outbox(next);
    }
  }
  throw new TransientError(`the incidents of ${day} kept changing during ${MAX_ATTEMPTS} attempts`);
};
