import type { PricedCostEvent } from '../events/cost-event';
import { isAfter } from '../sequence';
import {
  addEvent,
  type ItemKey,
  type ItemLabels,
  keyFromId,
  type SpendCounters,
  spendItemIds,
  spendItemLabels,
  zeroCounters,
} from './spend-items';

/** One valid event at its position in the stream. */
export interface Contribution {
  event: PricedCostEvent;
  /** The record's Kinesis sequence number. */
  sequence: string;
}

/** The sum of a batch's contributions to one item, with the sequence range it covers. */
export interface FoldedItem {
  key: ItemKey;
  labels: ItemLabels;
  counters: SpendCounters;
  firstSequence: string;
  lastSequence: string;
  contributions: Contribution[];
}

/**
 * Folds contributions into one entry per distinct spend item (hourly, daily, 15-minute), so a batch
 * costs one write per item instead of one per event. Order-independent and sum-preserving.
 */
export const foldSpend = (contributions: Iterable<Contribution>): Map<string, FoldedItem> => {
  const items = new Map<string, FoldedItem>();
  for (const contribution of contributions) {
    for (const id of spendItemIds(contribution.event)) {
      let item = items.get(id);
      if (item === undefined) {
        const key = keyFromId(id);
        item = {
          key,
          labels: spendItemLabels(key, contribution.event),
          counters: zeroCounters(),
          firstSequence: contribution.sequence,
          lastSequence: contribution.sequence,
          contributions: [],
        };
        items.set(id, item);
      }
      addEvent(item.counters, contribution.event);
      if (isAfter(item.firstSequence, contribution.sequence)) item.firstSequence = contribution.sequence;
      if (isAfter(contribution.sequence, item.lastSequence)) item.lastSequence = contribution.sequence;
      item.contributions.push(contribution);
    }
  }
  return items;
};

/** Re-folds one item from only the contributions after a watermark (the part a retry has not applied yet). */
export const refoldAfter = (item: FoldedItem, watermark: string): FoldedItem | null => {
  const remaining = item.contributions.filter((c) => isAfter(c.sequence, watermark));
  if (remaining.length === 0) return null;
  const counters = zeroCounters();
  let firstSequence = remaining[0]?.sequence ?? watermark;
  let lastSequence = firstSequence;
  for (const c of remaining) {
    addEvent(counters, c.event);
    if (isAfter(firstSequence, c.sequence)) firstSequence = c.sequence;
    if (isAfter(c.sequence, lastSequence)) lastSequence = c.sequence;
  }
  return { ...item, counters, firstSequence, lastSequence, contributions: remaining };
};
