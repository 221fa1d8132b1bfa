import { type FoldedItem, refoldAfter } from '../aggregation/fold';
import {
  MAX_CONDITIONAL_ATTEMPTS,
  type Positioned,
  WatermarkConflictError,
  type WriteTally,
} from './batch-model';
import type { SpendStore } from './ports';

/**
 * Adds a folded item to the store at most once per stream position. When the item's watermark shows
 * an earlier attempt applied part of it (a retry overlapping a batch), only the part after the
 * watermark is applied, conditioned on the watermark not moving in between.
 */
export const applySpendItemOnce = async (
  folded: FoldedItem,
  store: SpendStore,
  tally: WriteTally,
): Promise<void> => {
  let item: FoldedItem | null = folded;
  let expectedWatermark: string | undefined;
  for (let attempt = 0; attempt < MAX_CONDITIONAL_ATTEMPTS && item !== null; attempt += 1) {
    const outcome = await store.applySpendItem({
      key: item.key,
      labels: item.labels,
      counters: item.counters,
      shardId: (item.contributions[0] as Positioned).record.shardId,
      firstSequence: item.firstSequence,
      lastSequence: item.lastSequence,
      ...(expectedWatermark === undefined ? {} : { expectedWatermark }),
    });
    tally.spendItems += 1;
    if (outcome.kind === 'applied') return;
    tally.conditionalRetries += 1;
    expectedWatermark = outcome.watermark;
    item = refoldAfter(item, outcome.watermark);
  }
  if (item !== null) throw new WatermarkConflictError(`spend item ${folded.key.pk}/${folded.key.sk}`);
};
