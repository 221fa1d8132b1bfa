import type { PricedCostEvent } from '../events/cost-event';
import {
  addEvent,
  type ItemKey,
  type ItemLabels,
  type SpendCounters,
  spendItemsFor,
  zeroCounters,
} from './spend-items';

/** One valid event at its position in the stream. */
export interface Contribution {
  event: PricedCostEvent;
  /** Zero-padded sequence number: ordered by plain string comparison, in code and in DynamoDB conditions. */
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

// Kinesis sequence numbers are decimal strings of up to 129 digits.
const SEQUENCE_WIDTH = 129;

export const padSequence = (sequenceNumber: string): string => sequenceNumber.padStart(SEQUENCE_WIDTH, '0');

export const unpadSequence = (padded: string): string => padded.replace(/^0+(?=\d)/, '');

const itemId = (key: ItemKey): string => `${key.pk}|${key.sk}`;

/**
 * Folds contributions into one entry per distinct spend item (hourly, daily, 15-minute), so a batch
 * costs one write per item instead of one per event. Order-independent and sum-preserving.
 */
export const foldSpend = (contributions: Iterable<Contribution>): Map<string, FoldedItem> => {
  const items = new Map<string, FoldedItem>();
  for (const contribution of contributions) {
    for (const ref of spendItemsFor(contribution.event)) {
      const id = itemId(ref.key);
      let item = items.get(id);
      if (item === undefined) {
        item = {
          key: ref.key,
          labels: ref.labels,
          counters: zeroCounters(),
          firstSequence: contribution.sequence,
          lastSequence: contribution.sequence,
          contributions: [],
        };
        items.set(id, item);
      }
      addEvent(item.counters, contribution.event);
      if (contribution.sequence < item.firstSequence) item.firstSequence = contribution.sequence;
      if (contribution.sequence > item.lastSequence) item.lastSequence = contribution.sequence;
      item.contributions.push(contribution);
    }
  }
  return items;
};

/** Re-folds one item from only the contributions after a watermark (the part a retry has not applied yet). */
export const refoldAfter = (item: FoldedItem, watermark: string): FoldedItem | null => {
  const remaining = item.contributions.filter((c) => c.sequence > watermark);
  if (remaining.length === 0) return null;
  const counters = zeroCounters();
  let firstSequence = remaining[0]?.sequence ?? watermark;
  let lastSequence = firstSequence;
  for (const c of remaining) {
    addEvent(counters, c.event);
    if (c.sequence < firstSequence) firstSequence = c.sequence;
    if (c.sequence > lastSequence) lastSequence = c.sequence;
  }
  return { ...item, counters, firstSequence, lastSequence, contributions: remaining };
};
