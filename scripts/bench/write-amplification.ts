import { createIngestBatch, type StreamRecord } from '../../functions/core/ingest/ingest-batch';
import type {
  ClaimsLogItem,
  RequestClaim,
  SessionSnapshot,
  SpendItemUpdate,
} from '../../functions/core/ingest/ports';
import type { SpendSource } from '../../functions/core/ingest/split-batch';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { InMemorySpendStore } from '../../tests/helpers/in-memory-spend-store';

/** DynamoDB's item size rule, approximately: attribute names plus values (numbers ~1 byte per 2 digits). */
export const approximateItemBytes = (item: Record<string, unknown>): number => {
  let bytes = 0;
  for (const [name, value] of Object.entries(item)) {
    bytes += Buffer.byteLength(name);
    if (typeof value === 'string') bytes += Buffer.byteLength(value);
    else if (typeof value === 'number') bytes += Math.ceil(String(Math.abs(value)).length / 2) + 1;
    else if (value instanceof Uint8Array) bytes += value.length;
    else if (value instanceof Set || Array.isArray(value))
      for (const v of value) bytes += Buffer.byteLength(String(v)) + 1;
    else bytes += 1;
  }
  return bytes;
};

// The claims log item as the DynamoDB adapter stores it: pk, a 134-digit sort key, numbers and the body.
const logItemBytes = (item: ClaimsLogItem): number =>
  approximateItemBytes({
    pk: `CLAIMS#${item.shardId}`,
    sk: item.firstPosition.padStart(134, '0'),
    arrived_at: item.arrivedAt,
    expires_at: item.expiresAt,
    claims: item.claims,
    body: item.body,
  });

const KB = 1_024;

/**
 * Counts what DynamoDB would bill: a write costs ceil(max(old, new item size) / 1 KB) write request
 * units (the new size here: items only grow); a strongly consistent query ceil(bytes read / 4 KB) read
 * request units, at least one.
 */
class MeteredStore extends InMemorySpendStore {
  spendWrites = 0;
  sessionWrites = 0;
  logWrites = 0;
  logBytes = 0;
  requestClaimWrites = 0;
  writeUnits = 0;
  queries = 0;
  readUnits = 0;

  override async applySpendItem(update: SpendItemUpdate) {
    const outcome = await super.applySpendItem(update);
    this.spendWrites += 1;
    this.meter(`${update.key.pk}|${update.key.sk}`);
    return outcome;
  }

  override async putSession(snapshot: SessionSnapshot) {
    const outcome = await super.putSession(snapshot);
    this.sessionWrites += 1;
    this.meter(`${snapshot.key.pk}|${snapshot.key.sk}`);
    return outcome;
  }

  override async append(item: ClaimsLogItem) {
    const appended = await super.append(item);
    const bytes = logItemBytes(item);
    this.logWrites += 1;
    this.logBytes += bytes;
    this.writeUnits += Math.max(1, Math.ceil(bytes / KB));
    return appended;
  }

  // A conditional put is billed for the item's size whether it wins or not.
  override async claim(claim: RequestClaim) {
    const holder = await super.claim(claim);
    this.requestClaimWrites += 1;
    const bytes = approximateItemBytes({
      pk: `REQUEST#${claim.requestId}`,
      sk: 'CLAIM',
      shard_id: claim.shardId,
      position: claim.position,
      expires_at: claim.expiresAt,
    });
    this.writeUnits += Math.max(1, Math.ceil(bytes / KB));
    return holder;
  }

  override async readAfter(shardId: string, afterPosition: string | undefined) {
    const items = await super.readAfter(shardId, afterPosition);
    this.meterQuery(items.reduce((sum, item) => sum + logItemBytes(item), 0));
    return items;
  }

  override async *readNewestFirst(shardId: string) {
    let bytes = 0;
    try {
      for await (const item of super.readNewestFirst(shardId)) {
        bytes += logItemBytes(item);
        yield item;
      }
    } finally {
      this.meterQuery(bytes);
    }
  }

  private meter(id: string): void {
    const item = this.items.get(id);
    this.writeUnits += Math.max(1, Math.ceil(approximateItemBytes(item ?? {}) / KB));
  }

  private meterQuery(bytes: number): void {
    this.queries += 1;
    this.readUnits += Math.max(1, Math.ceil(bytes / (4 * KB)));
  }
}

export interface WriteAmplification {
  events: number;
  batches: number;
  recordsPerBatch: number;
  eventsPerBatch: number;
  spendWritesPerEvent: number;
  logWritesPerEvent: number;
  sessionWritesPerEvent: number;
  /** Cross-shard request claims (invocation logs only). */
  requestClaimWritesPerEvent: number;
  allWritesPerEvent: number;
  writeUnitsPerEvent: number;
  /** Claims log bytes (stored, compressed) per event. */
  logBytesPerEvent: number;
  readUnitsPerEvent: number;
  perEventBaseline: { spendWritesPerEvent: number; allWritesPerEvent: number };
}

/**
 * Runs the real ingest use case over the given event-source batches, as one long-lived container, and
 * counts the DynamoDB operations it makes.
 */
export const measureWriteAmplification = async (
  batches: readonly StreamRecord[][],
  source: SpendSource = 'producer',
): Promise<WriteAmplification> => {
  const store = new MeteredStore();
  const ingest = createIngestBatch({
    store,
    claimsLog: store,
    quarantine: store,
    prices: DEFAULT_PRICE_TABLE,
    source,
    ...(source === 'invocation-logs' && { requestClaims: store }),
  });
  let counted = 0;
  let events = 0;
  let records = 0;
  for (const batch of batches) {
    const result = await ingest(batch);
    counted += result.summary.counted;
    events +=
      result.summary.counted +
      result.summary.duplicates +
      Object.values(result.summary.quarantined).reduce((a, b) => a + b, 0);
    records += batch.length;
  }
  return {
    events,
    batches: batches.length,
    recordsPerBatch: records / batches.length,
    eventsPerBatch: events / batches.length,
    spendWritesPerEvent: store.spendWrites / events,
    logWritesPerEvent: store.logWrites / events,
    sessionWritesPerEvent: store.sessionWrites / events,
    requestClaimWritesPerEvent: store.requestClaimWrites / events,
    allWritesPerEvent:
      (store.spendWrites + store.logWrites + store.sessionWrites + store.requestClaimWrites) / events,
    writeUnitsPerEvent: store.writeUnits / events,
    logBytesPerEvent: store.logBytes / events,
    readUnitsPerEvent: store.readUnits / events,
    // One update per event to each of hourly, daily and 15-minute, plus its session (with its claim).
    perEventBaseline: {
      spendWritesPerEvent: (3 * counted) / events,
      allWritesPerEvent: (4 * counted) / events,
    },
  };
};
