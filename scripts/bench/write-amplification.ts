import { createIngestBatch, type StreamRecord } from '../../functions/core/ingest/ingest-batch';
import type { SessionUpdate, SpendItemUpdate } from '../../functions/core/ingest/ports';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { InMemorySpendStore } from '../../tests/helpers/in-memory-spend-store';

/** DynamoDB's item size rule, approximately: attribute names plus values (numbers ~1 byte per 2 digits). */
export const approximateItemBytes = (item: Record<string, unknown>): number => {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (typeof value === 'number') bytes += Math.ceil(String(Math.abs(value)).length / 2) + 1;
    else if (value instanceof Set) for (const v of value) bytes += Buffer.byteLength(String(v));
    else bytes += 1;
  }
  return bytes;
};

/** A write costs ceil(max(old, new item size) / 1 KB) write request units. */
class MeteredStore extends InMemorySpendStore {
  spendWrites = 0;
  sessionWrites = 0;
  writeUnits = 0;

  override async applySpendItem(update: SpendItemUpdate) {
    const outcome = await super.applySpendItem(update);
    this.spendWrites += 1;
    this.meter(`${update.key.pk}|${update.key.sk}`);
    return outcome;
  }

  override async applySession(update: SessionUpdate) {
    const outcome = await super.applySession(update);
    this.sessionWrites += 1;
    this.meter(`${update.key.pk}|${update.key.sk}`);
    return outcome;
  }

  private meter(id: string): void {
    const item = this.items.get(id);
    this.writeUnits += Math.max(1, Math.ceil(approximateItemBytes(item ?? {}) / 1_024));
  }
}

export interface WriteAmplification {
  events: number;
  batches: number;
  recordsPerBatch: number;
  eventsPerBatch: number;
  spendWritesPerEvent: number;
  sessionWritesPerEvent: number;
  allWritesPerEvent: number;
  writeUnitsPerEvent: number;
  perEventBaseline: { spendWritesPerEvent: number; allWritesPerEvent: number };
}

/** Runs the real ingest use case over the given event-source batches and counts the writes it makes. */
export const measureWriteAmplification = async (
  batches: readonly StreamRecord[][],
): Promise<WriteAmplification> => {
  const store = new MeteredStore();
  const ingest = createIngestBatch({ store, quarantine: store, prices: DEFAULT_PRICE_TABLE });
  let counted = 0;
  let events = 0;
  let records = 0;
  for (const batch of batches) {
    const result = await ingest(batch);
    counted += result.counted;
    events +=
      result.counted + result.duplicates + Object.values(result.quarantined).reduce((a, b) => a + b, 0);
    records += batch.length;
  }
  return {
    events,
    batches: batches.length,
    recordsPerBatch: records / batches.length,
    eventsPerBatch: events / batches.length,
    spendWritesPerEvent: store.spendWrites / events,
    sessionWritesPerEvent: store.sessionWrites / events,
    allWritesPerEvent: (store.spendWrites + store.sessionWrites) / events,
    writeUnitsPerEvent: store.writeUnits / events,
    // One update per event to each of hourly, daily and 15-minute, plus its session.
    perEventBaseline: {
      spendWritesPerEvent: (3 * counted) / events,
      allWritesPerEvent: (4 * counted) / events,
    },
  };
};
