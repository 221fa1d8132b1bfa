import { COUNTER_NAMES } from '../../functions/core/aggregation/spend-items';
import type {
  QuarantinedRecord,
  QuarantineStore,
  SessionOutcome,
  SessionUpdate,
  SpendItemOutcome,
  SpendItemUpdate,
  SpendStore,
} from '../../functions/core/ingest/ports';
import { compareSequenceNumbers } from '../../functions/core/sequence';

type Item = Record<string, unknown>;

export class InjectedWriteError extends Error {
  constructor() {
    super('injected write failure (throttled)');
    this.name = 'InjectedWriteError';
  }
}

/**
 * The SpendStore contract with DynamoDB's semantics (conditional, atomic per item), in memory.
 * `failWhen` injects a failure before a write takes effect, like a throttle the SDK gave up on.
 */
export class InMemorySpendStore implements SpendStore, QuarantineStore {
  readonly items = new Map<string, Item>();
  readonly quarantined = new Map<string, QuarantinedRecord>();
  writes = 0;
  failWhen: (kind: 'spend' | 'session' | 'quarantine', writeNumber: number) => boolean = () => false;

  async applySpendItem(update: SpendItemUpdate): Promise<SpendItemOutcome> {
    this.maybeFail('spend');
    const id = `${update.key.pk}|${update.key.sk}`;
    const item = this.items.get(id) ?? { ...update.key };
    const wmName = `wm#${update.shardId}`;
    const wm = item[wmName] as string | undefined;
    const ok =
      update.expectedWatermark === undefined
        ? wm === undefined || compareSequenceNumbers(wm, update.firstSequence) < 0
        : wm === update.expectedWatermark;
    if (!ok) {
      if (wm === undefined) throw new Error('condition failed on an item without a watermark');
      return { kind: 'behind_watermark', watermark: wm };
    }
    Object.assign(item, update.labels, { [wmName]: update.lastSequence });
    for (const c of COUNTER_NAMES) item[c] = ((item[c] as number | undefined) ?? 0) + update.counters[c];
    this.items.set(id, item);
    return { kind: 'applied' };
  }

  async applySession(update: SessionUpdate): Promise<SessionOutcome> {
    this.maybeFail('session');
    const id = `${update.key.pk}|${update.key.sk}`;
    const item = this.items.get(id) ?? { ...update.key };
    if (update.claims.some((c) => item[`c#${c.eventId}`] !== undefined)) {
      const claims = new Map<string, string>();
      for (const [k, v] of Object.entries(item)) if (k.startsWith('c#')) claims.set(k.slice(2), v as string);
      return { kind: 'claims_taken', claims };
    }
    for (const c of update.claims) item[`c#${c.eventId}`] = c.recordRef;
    for (const c of COUNTER_NAMES) item[c] = ((item[c] as number | undefined) ?? 0) + update.counters[c];
    item.session_id = update.sessionId;
    item.expires_at = update.expiresAt;
    this.items.set(id, item);
    return { kind: 'applied' };
  }

  async put(record: QuarantinedRecord): Promise<void> {
    this.maybeFail('quarantine');
    this.quarantined.set(`${record.shardId}#${record.sequenceNumber}#${record.subSequence}`, record);
  }

  /** Sum of a counter over the items of one kind (key prefix). */
  total(prefix: 'HOUR#' | 'DAY#' | 'Q15#' | 'SESSION#', counter: (typeof COUNTER_NAMES)[number]): number {
    let sum = 0;
    for (const item of this.items.values()) {
      if ((item.pk as string).startsWith(prefix)) sum += (item[counter] as number | undefined) ?? 0;
    }
    return sum;
  }

  private maybeFail(kind: 'spend' | 'session' | 'quarantine'): void {
    this.writes += 1;
    if (this.failWhen(kind, this.writes)) throw new InjectedWriteError();
  }
}
