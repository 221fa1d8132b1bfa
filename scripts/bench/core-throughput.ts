import { type Contribution, foldSpend } from '../../functions/core/aggregation/fold';
import { keyFromId, spendItemIds, spendItemLabels } from '../../functions/core/aggregation/spend-items';
import { decodeCostEvent } from '../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';

export interface ThroughputResult {
  events: number;
  foldEventsPerSecond: number;
  perEventEventsPerSecond: number;
  distinctWritesFold: number;
  writesPerEvent: number;
}

const BATCH = 1_000;

/** Our core: decode, validate, price, then fold a batch into one entry per distinct item. */
const foldAll = (records: Uint8Array[]): number => {
  let writes = 0;
  for (let start = 0; start < records.length; start += BATCH) {
    const batch: Contribution[] = [];
    for (let i = start; i < Math.min(records.length, start + BATCH); i += 1) {
      const decoded = decodeCostEvent(records[i] as Uint8Array, DEFAULT_PRICE_TABLE);
      if (decoded.ok) batch.push({ event: decoded.event, sequence: String(i) });
    }
    writes += foldSpend(batch).size;
  }
  return writes;
};

/** The naive baseline: the same decoding, then one update request per event per spend item. */
const perEventAll = (records: Uint8Array[]): number => {
  let writes = 0;
  for (const record of records) {
    const decoded = decodeCostEvent(record, DEFAULT_PRICE_TABLE);
    if (!decoded.ok) continue;
    for (const id of spendItemIds(decoded.event)) {
      const key = keyFromId(id);
      const request = {
        key,
        labels: spendItemLabels(key, decoded.event),
        cost: decoded.event.costNano,
        events: 1,
      };
      if (request.events > 0) writes += 1;
    }
  }
  return writes;
};

const bestRate = (runs: number, events: number, work: () => number): { rate: number; writes: number } => {
  let best = 0;
  let writes = 0;
  for (let run = 0; run < runs; run += 1) {
    const started = process.hrtime.bigint();
    writes = work();
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    best = Math.max(best, events / seconds);
  }
  return { rate: best, writes };
};

/** Single-threaded by construction: one core, as the floor asks. Best of several runs after a warm-up. */
export const measureCoreThroughput = (records: Uint8Array[], runs = 5): ThroughputResult => {
  foldAll(records.slice(0, 20_000));
  perEventAll(records.slice(0, 20_000));
  const fold = bestRate(runs, records.length, () => foldAll(records));
  const perEvent = bestRate(runs, records.length, () => perEventAll(records));
  return {
    events: records.length,
    foldEventsPerSecond: fold.rate,
    perEventEventsPerSecond: perEvent.rate,
    distinctWritesFold: fold.writes,
    writesPerEvent: fold.writes / records.length,
  };
};
