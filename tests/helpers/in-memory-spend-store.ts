import { COUNTER_NAMES } from '../../functions/core/aggregation/spend-items';
import { decodeLogItem } from '../../functions/core/ingest/claims-log';
import type {
  ClaimsLog,
  ClaimsLogItem,
  QuarantinedRecord,
  QuarantineStore,
  RequestClaim,
  RequestClaims,
  RequestHolder,
  SessionSnapshot,
  SessionSnapshotOutcome,
  SpendItemOutcome,
  SpendItemUpdate,
  SpendStore,
} from '../../functions/core/ingest/ports';
import { compareSequenceNumbers } from '../../functions/core/sequence';

type Item = Record<string, unknown>;

export type WriteKind = 'spend' | 'session' | 'claims' | 'claims_read' | 'quarantine' | 'request_claim';

export class InjectedWriteError extends Error {
  constructor(what = 'injected write failure (throttled)') {
    super(what);
    this.name = 'InjectedWriteError';
  }
}

/**
 * The SpendStore, ClaimsLog and QuarantineStore contracts with DynamoDB's semantics (conditional, atomic
 * per item, strongly consistent reads), in memory. `failWhen` injects a failure before an operation takes
 * effect, like a throttle the SDK gave up on; `failAfterWhen` one after it took effect, like a timeout
 * whose request DynamoDB still applied.
 */
export class InMemorySpendStore implements SpendStore, ClaimsLog, QuarantineStore, RequestClaims {
  readonly items = new Map<string, Item>();
  /** Each shard's claims log, ordered by first position. */
  readonly log = new Map<string, ClaimsLogItem[]>();
  readonly quarantined = new Map<string, QuarantinedRecord>();
  writes = 0;
  failWhen: (kind: WriteKind, operationNumber: number) => boolean = () => false;
  failAfterWhen: (kind: WriteKind, operationNumber: number) => boolean = () => false;

  async applySpendItem(update: SpendItemUpdate): Promise<SpendItemOutcome> {
    const n = this.maybeFail('spend');
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
      return this.after('spend', n, { kind: 'behind_watermark', watermark: wm });
    }
    Object.assign(item, update.labels, { [wmName]: update.lastSequence });
    for (const c of COUNTER_NAMES) item[c] = ((item[c] as number | undefined) ?? 0) + update.counters[c];
    this.items.set(id, item);
    return this.after('spend', n, { kind: 'applied' });
  }

  async putSession(snapshot: SessionSnapshot): Promise<SessionSnapshotOutcome> {
    const n = this.maybeFail('session');
    const id = `${snapshot.key.pk}|${snapshot.key.sk}`;
    const item = this.items.get(id) ?? { ...snapshot.key };
    const wmName = `wm#${snapshot.shardId}`;
    const wm = item[wmName] as string | undefined;
    if (wm !== undefined && compareSequenceNumbers(wm, snapshot.position) > 0)
      return this.after('session', n, 'superseded');
    Object.assign(item, {
      session_id: snapshot.sessionId,
      intents: [...snapshot.intents],
      cost_nano: snapshot.costNano,
      events: snapshot.events,
      last_event_at: snapshot.lastEventAt,
      expires_at: snapshot.expiresAt,
      [wmName]: snapshot.position,
    });
    this.items.set(id, item);
    return this.after('session', n, 'applied');
  }

  async append(item: ClaimsLogItem): Promise<boolean> {
    const n = this.maybeFail('claims');
    const shard = this.log.get(item.shardId) ?? [];
    const at = InMemorySpendStore.firstAtOrAfter(shard, item.firstPosition);
    if (shard[at]?.firstPosition === item.firstPosition) return this.after('claims', n, false);
    shard.splice(at, 0, { ...item, body: new Uint8Array(item.body) });
    this.log.set(item.shardId, shard);
    return this.after('claims', n, true);
  }

  async readAfter(shardId: string, afterPosition: string | undefined): Promise<ClaimsLogItem[]> {
    const n = this.maybeFail('claims_read');
    const shard = this.log.get(shardId) ?? [];
    let from = 0;
    if (afterPosition !== undefined) {
      from = InMemorySpendStore.firstAtOrAfter(shard, afterPosition);
      if (shard[from]?.firstPosition === afterPosition) from += 1;
    }
    return this.after('claims_read', n, shard.slice(from));
  }

  async *readNewestFirst(shardId: string): AsyncIterable<ClaimsLogItem> {
    const n = this.maybeFail('claims_read');
    const newestFirst = [...(this.log.get(shardId) ?? [])].reverse();
    this.after('claims_read', n, undefined);
    yield* newestFirst;
  }

  async claim(claim: RequestClaim): Promise<RequestHolder> {
    const n = this.maybeFail('request_claim');
    const id = `REQUEST#${claim.requestId}|CLAIM`;
    const held = this.items.get(id);
    if (held !== undefined) {
      return this.after('request_claim', n, {
        shardId: String(held.shard_id),
        position: String(held.position),
      });
    }
    this.items.set(id, {
      pk: `REQUEST#${claim.requestId}`,
      sk: 'CLAIM',
      shard_id: claim.shardId,
      position: claim.position,
      expires_at: claim.expiresAt,
    });
    return this.after('request_claim', n, { shardId: claim.shardId, position: claim.position });
  }

  async put(record: QuarantinedRecord): Promise<void> {
    const n = this.maybeFail('quarantine');
    this.quarantined.set(`${record.shardId}#${record.sequenceNumber}#${record.subSequence}`, record);
    this.after('quarantine', n, undefined);
  }

  /** Sum of a counter over the items of one kind (key prefix). */
  total(prefix: 'HOUR#' | 'DAY#' | 'Q15#' | 'SESSION#', counter: (typeof COUNTER_NAMES)[number]): number {
    let sum = 0;
    for (const item of this.items.values()) {
      if ((item.pk as string).startsWith(prefix)) sum += (item[counter] as number | undefined) ?? 0;
    }
    return sum;
  }

  /** What the claims log holds over all shards: claims (events) and the cost of the sessions' deltas. */
  loggedTotals(): { events: number; costNano: number; items: number } {
    const totals = { events: 0, costNano: 0, items: 0 };
    for (const shard of this.log.values()) {
      for (const item of shard) {
        totals.items += 1;
        for (const session of decodeLogItem(item).sessions) {
          totals.events += session.claims.length;
          totals.costNano += session.costNano;
        }
      }
    }
    return totals;
  }

  /** Index of the first item whose position is not below `position` (binary search: the log is sorted). */
  private static firstAtOrAfter(shard: readonly ClaimsLogItem[], position: string): number {
    let low = 0;
    let high = shard.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (compareSequenceNumbers((shard[mid] as ClaimsLogItem).firstPosition, position) < 0) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  private maybeFail(kind: WriteKind): number {
    this.writes += 1;
    if (this.failWhen(kind, this.writes)) throw new InjectedWriteError();
    return this.writes;
  }

  private after<T>(kind: WriteKind, n: number, result: T): T {
    if (this.failAfterWhen(kind, n))
      throw new InjectedWriteError('injected timeout after the write was applied');
    return result;
  }
}
