import type { PricedCostEvent } from '../events/cost-event';
import { quarterLabel, utcDay, utcHour, utcQuarter } from '../time';

/** Counters every spend item carries; all are added, never set, so partial sums compose. */
export interface SpendCounters {
  events: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  cost_nano: number;
  cache_hits: number;
  /** Producer-reported cost and the count of events that reported one, to spot under-reporting. */
  reported_cost_nano: number;
  reported_events: number;
  /** The part of cost_nano priced at a ceiling (unknown model or region), and its events. */
  estimated_cost_nano: number;
  estimated_events: number;
}

export const COUNTER_NAMES: readonly (keyof SpendCounters)[] = [
  'events',
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cost_nano',
  'cache_hits',
  'reported_cost_nano',
  'reported_events',
  'estimated_cost_nano',
  'estimated_events',
];

/** Counters only some items carry: left off an update while zero, so items without estimates keep their shape. */
export const SPARSE_COUNTERS: ReadonlySet<keyof SpendCounters> = new Set([
  'estimated_cost_nano',
  'estimated_events',
]);

export const zeroCounters = (): SpendCounters => ({
  events: 0,
  input_tokens: 0,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  cost_nano: 0,
  cache_hits: 0,
  reported_cost_nano: 0,
  reported_events: 0,
  estimated_cost_nano: 0,
  estimated_events: 0,
});

export const addEvent = (counters: SpendCounters, event: PricedCostEvent): void => {
  counters.events += 1;
  counters.input_tokens += event.inputTokens;
  counters.output_tokens += event.outputTokens;
  counters.cache_read_tokens += event.cacheReadTokens;
  counters.cache_write_tokens += event.cacheWriteTokens + event.cacheWrite1hTokens;
  counters.cost_nano += event.costNano;
  if (event.cacheHit) counters.cache_hits += 1;
  if (event.reportedCostNano !== null) {
    counters.reported_cost_nano += event.reportedCostNano;
    counters.reported_events += 1;
  }
  if (event.estimated) {
    counters.estimated_cost_nano += event.costNano;
    counters.estimated_events += 1;
  }
};

export interface ItemKey {
  pk: string;
  sk: string;
}

/** Descriptive attributes stored on the item so reads need not parse keys. */
export type ItemLabels = Record<string, string | number>;

/**
 * The three spend items an event folds into, all by event time (UTC): hourly per (day, hour, intent,
 * model, component, language), the day's total, and the 15-minute bucket. As "pk|sk" ids: built per
 * event on the hot path, so plain strings; the key object is made once per item by `keyFromId`.
 */
export const spendItemIds = (event: PricedCostEvent): [string, string, string] => {
  const day = utcDay(event.occurredAt);
  const hour = utcHour(event.occurredAt);
  return [
    `HOUR#${day}|${hour < 10 ? '0' : ''}${hour}#${event.intent}#${event.modelId}#${event.component}#${event.language}${event.principal === undefined ? '' : `#${event.principal}`}`,
    `DAY#${day}|TOTAL`,
    `Q15#${day}|${quarterLabel(utcQuarter(event.occurredAt))}`,
  ];
};

export const keyFromId = (id: string): ItemKey => {
  const bar = id.indexOf('|');
  return { pk: id.slice(0, bar), sk: id.slice(bar + 1) };
};

/** Descriptive attributes of an item, computed once per item rather than once per event. */
export const spendItemLabels = (key: ItemKey, event: PricedCostEvent): ItemLabels => {
  const day = utcDay(event.occurredAt);
  if (key.pk.startsWith('HOUR#')) {
    return {
      day,
      hour: utcHour(event.occurredAt),
      intent: event.intent,
      model_id: event.modelId,
      component: event.component,
      language: event.language,
      ...(event.principal === undefined ? {} : { principal: event.principal }),
    };
  }
  return key.pk.startsWith('DAY#') ? { day } : { day, quarter: quarterLabel(utcQuarter(event.occurredAt)) };
};

export const sessionKey = (sessionId: string): ItemKey => ({ pk: `SESSION#${sessionId}`, sk: 'SESSION' });
