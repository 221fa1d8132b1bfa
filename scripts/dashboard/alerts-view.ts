import { utcDay } from '../../functions/core/time';
import type { ReceivedAlert } from '../lib/readers/published-alerts';
import { type Money, money } from './format';

/** What the page says about one `unpriced_model` alert: the model (or region), its events, the estimate. */
export interface UnpricedAlert {
  message_id: string;
  /** The model id the catalog lacks, or `region X` for a region it does not know. */
  subject: string;
  /** Events the alert counted when it was raised; null when its summary does not say. */
  events: number | null;
  /** What those events were counted at (the trigger's value, at the ceiling price). */
  estimate: Money;
  first_event_time: string;
}

export interface AlertsView {
  available: boolean;
  note: string | null;
  /** The alerts of the chosen day, newest first, each with the day it was filed under. */
  alerts: (ReceivedAlert & { day: string })[];
  unpriced: UnpricedAlert[];
  /** Alerts of other days the copy also holds (not shown). */
  other_days: number;
}

interface TriggerPart {
  day?: unknown;
  event_time?: unknown;
  value?: unknown;
  summary?: unknown;
}

const triggerOf = (alert: ReceivedAlert): TriggerPart => {
  const body = alert.body;
  if (typeof body !== 'object' || body === null || !('trigger' in body)) return {};
  const trigger = (body as { trigger: unknown }).trigger;
  return typeof trigger === 'object' && trigger !== null ? (trigger as TriggerPart) : {};
};

/**
 * The budget day an alert is about: its trigger's day (the event time that tripped it, so a replayed
 * day's alerts sit on that day), else the day of that event time, else the day SNS accepted it.
 */
export const alertDay = (alert: ReceivedAlert): string => {
  const { day, event_time: eventTime } = triggerOf(alert);
  if (typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day)) return day;
  if (typeof eventTime === 'string' && !Number.isNaN(Date.parse(eventTime)))
    return utcDay(Date.parse(eventTime));
  return alert.published_at.slice(0, 10);
};

// The trigger names its subject and count only in its summary (functions/core/breaker/event-checks.ts);
// as an incident's message it leads with the message kind (functions/core/breaker/incidents.ts).
const UNPRICED_SUMMARY = /^(?:[a-z]+: )?(\d+) event\(s\) on (.+) not in the price catalog/;

const summaryOf = (alert: ReceivedAlert): string => {
  const trigger = triggerOf(alert);
  return typeof trigger.summary === 'string' ? trigger.summary : alert.subject;
};

/** An unpriced model's onset or growth; its incident's resolution says nothing new about the model. */
const namesAnUnpricedModel = (alert: ReceivedAlert): boolean =>
  alert.check === 'unpriced_model' && UNPRICED_SUMMARY.test(summaryOf(alert));

const unpricedOf = (alert: ReceivedAlert): UnpricedAlert => {
  const trigger = triggerOf(alert);
  const summary = summaryOf(alert);
  const found = UNPRICED_SUMMARY.exec(summary);
  return {
    message_id: alert.message_id,
    subject: found?.[2] ?? summary,
    events: found === null ? null : Number(found[1]),
    estimate: money(typeof trigger.value === 'number' ? trigger.value : 0),
    first_event_time: typeof trigger.event_time === 'string' ? trigger.event_time : alert.published_at,
  };
};

/** The chosen day's alerts (oldest first in, newest first out), the unpriced ones picked out. */
export const alertsView = (received: readonly ReceivedAlert[], day: string): AlertsView => {
  const alerts = received
    .map((alert) => ({ ...alert, day: alertDay(alert) }))
    .filter((alert) => alert.day === day)
    .reverse();
  return {
    available: true,
    note: null,
    alerts,
    unpriced: alerts.filter(namesAnUnpricedModel).map(unpricedOf),
    other_days: received.length - alerts.length,
  };
};
