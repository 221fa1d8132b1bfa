import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_INCIDENT_CONFIG,
  emptyIncidentDay,
  foldDay,
  foldTrigger,
  type Incident,
} from '../../../../functions/core/breaker/incidents';
import { createRecordIncidents } from '../../../../functions/core/breaker/record-incidents';
import type { Trigger } from '../../../../functions/core/breaker/trigger';
import { InMemoryIncidentStore } from '../../../helpers/in-memory-breaker';

const DAY = '2025-03-15';
// Six hours between digests and an hour of quiet, so the times below read easily.
const config = { ...DEFAULT_INCIDENT_CONFIG, digestPeriodMs: 6 * 3_600_000, quietMs: 3_600_000 };

const finding = (time: string, largest: number, calls = 1, overrides: Partial<Trigger> = {}): Trigger => ({
  id: `token_explosion-${time}`,
  check: 'token_explosion',
  severity: 'warning',
  metric: 'prompt_tokens',
  value: largest,
  threshold: 10_000,
  event_time: `${DAY}T${time}:00.000Z`,
  day: DAY,
  subject: 'model:m',
  counts: { calls, sessions: 1, spend_nano: 100 * calls, largest },
  summary: 'x',
  ...overrides,
});

/** Folds the findings in order, returning the kinds of the messages sent. */
const kindsOf = (findings: Trigger[]): { kinds: string[]; incident: Incident | undefined } => {
  let incident: Incident | undefined;
  const kinds: string[] = [];
  for (const f of findings) {
    const folded = foldTrigger(incident, f, config);
    incident = folded.incident;
    if (folded.sent !== undefined) kinds.push(folded.sent.incident?.kind ?? '?');
  }
  return { kinds, incident };
};

describe('an incident', () => {
  it('sends the onset, then keeps findings pending until a digest period has passed', () => {
    const { kinds, incident } = kindsOf([
      finding('00:05', 12_000),
      finding('01:05', 12_000, 3),
      finding('05:59', 12_000, 2),
      finding('06:05', 12_000, 4),
    ]);

    expect(kinds).toEqual(['onset', 'digest']);
    expect(incident?.pending).toEqual({ calls: 0, sessions: 0, spend_nano: 0, largest: 0 });
    expect(incident?.total.calls).toBe(10);
    expect(incident?.outbox.at(-1)?.incident?.since).toEqual({
      calls: 9,
      sessions: 3,
      spend_nano: 900,
      largest: 12_000,
    });
  });

  it('sends an update when the largest finding doubles, or severity rises, since the last message', () => {
    expect(
      kindsOf([finding('00:05', 12_000), finding('00:20', 23_999), finding('00:35', 24_000)]).kinds,
    ).toEqual(['onset', 'update']);
    expect(
      kindsOf([finding('00:05', 12_000), finding('00:20', 12_000, 1, { severity: 'critical' })]).kinds,
    ).toEqual(['onset', 'update']);
  });

  it('resolves after the quiet time, with what was pending, at the event time the quiet ended', () => {
    const opened = foldDay(
      emptyIncidentDay(DAY),
      [finding('00:05', 12_000), finding('00:20', 12_000, 2)],
      0,
      config,
    );

    const early = foldDay(opened.day, [], Date.parse(`${DAY}T01:19:59.000Z`), config);
    const late = foldDay(opened.day, [], Date.parse(`${DAY}T01:20:00.000Z`), config);

    expect(early.sent).toEqual([]);
    expect(
      late.sent.map((t) => [t.incident?.kind, t.event_time, t.incident?.since.calls, t.severity]),
    ).toEqual([['resolved', `${DAY}T01:20:00.000Z`, 2, 'info']]);
    const reopened = foldDay(late.day, [finding('03:00', 12_000)], 0, config);
    expect(reopened.sent.map((t) => [t.incident?.kind, t.incident?.seq, t.incident?.total.calls])).toEqual([
      ['onset', 3, 4],
    ]);
  });

  it('is one incident per check, subject and day', () => {
    const { day } = foldDay(
      emptyIncidentDay(DAY),
      [
        finding('00:05', 12_000),
        finding('00:06', 12_000, 1, { subject: 'model:other' }),
        finding('00:07', 12_000, 1, { check: 'cost_mismatch' }),
        finding('00:08', 12_000),
      ],
      0,
      config,
    );

    expect(Object.keys(day.incidents).sort()).toEqual([
      `cost_mismatch|model:m|${DAY}`,
      `token_explosion|model:m|${DAY}`,
      `token_explosion|model:other|${DAY}`,
    ]);
  });
});

describe('recording incidents', () => {
  it('folds again on a lost race, so two evaluators neither drop nor double a finding', async () => {
    const store = new InMemoryIncidentStore();
    const record = createRecordIncidents({ store, config });
    const at = Date.parse(`${DAY}T00:30:00.000Z`);
    store.beforeSave = async () => {
      await record([finding('00:05', 12_000, 2)], at);
    };

    await record([finding('00:10', 12_000, 3, { id: 'other-window' })], at);

    const [incident] = Object.values((await store.load(DAY)).incidents);
    expect(incident?.total.calls).toBe(5);
    expect(incident?.pending.calls).toBe(3);
    expect(incident?.outbox.map((t) => t.incident?.kind)).toEqual(['onset']);
  });

  it('hands the recent messages over again on every evaluation, so a failed start is retried', async () => {
    const store = new InMemoryIncidentStore();
    const record = createRecordIncidents({ store, config });
    const at = Date.parse(`${DAY}T00:30:00.000Z`);
    const first = await record([finding('00:05', 12_000)], at);

    const again = await record([], at);

    expect(again.messages.map((t) => t.id)).toEqual(first.messages.map((t) => t.id));
  });
});
