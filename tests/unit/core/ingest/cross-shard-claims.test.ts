import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CostEventV2 } from '../../../../functions/core/events/cost-event';
import { createIngestBatch, type StreamRecord } from '../../../../functions/core/ingest/ingest-batch';
import { DEFAULT_PRICE_TABLE } from '../../../../functions/core/pricing/price-table';
import { expectedTotals } from '../../../../scripts/scenarios/expected-totals';
import {
  controlMessageRecord,
  dataMessageRecord,
  toInvocationLog,
} from '../../../../scripts/scenarios/invocation-logs';
import { aV2Event } from '../../../helpers/cost-events';
import { InMemorySpendStore, type WriteKind } from '../../../helpers/in-memory-spend-store';

const ARRIVAL = Date.parse('2025-03-15T14:23:02.000Z');
const SHARDS = ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000002'];

/** One container's ingest for an invocation-logs stage over a shared table. */
const ingestInto = (store: InMemorySpendStore) =>
  createIngestBatch({
    store,
    claimsLog: store,
    quarantine: store,
    requestClaims: store,
    source: 'invocation-logs',
    prices: DEFAULT_PRICE_TABLE,
    concurrency: 4,
    sessionPersistMinNano: 0,
  });

const envelopeOf = (events: readonly CostEventV2[]): Uint8Array =>
  dataMessageRecord(
    events.map((e) => JSON.stringify(toInvocationLog(e))),
    ARRIVAL,
  );

/** A shard's records at increasing sequence numbers. */
class Shard {
  private next = 49_660_000_000_000_000_000_000_000_000_000_000_000_000_000_000n;
  constructor(readonly shardId: string) {}
  records(...data: Uint8Array[]): StreamRecord[] {
    return data.map((d) => {
      this.next += 10n;
      return {
        shardId: this.shardId,
        sequenceNumber: String(this.next),
        partitionKey: 'cwl',
        arrivedAt: ARRIVAL,
        data: d,
      };
    });
  }
}

const events = (n: number, prefix = 'req'): CostEventV2[] =>
  Array.from({ length: n }, (_, i) =>
    aV2Event({
      event_id: `${prefix}-${i}`,
      session_id: `s-${i % 3}`,
      intent: i % 2 === 0 ? 'faq' : 'order_status',
    }),
  );

const expectCountedOnce = (store: InMemorySpendStore, calls: readonly CostEventV2[]) => {
  const { costNano, events: n } = expectedTotals(calls);
  for (const prefix of ['HOUR#', 'DAY#', 'Q15#'] as const) {
    expect([prefix, store.total(prefix, 'cost_nano'), store.total(prefix, 'events')]).toEqual([
      prefix,
      costNano,
      n,
    ]);
  }
};

describe('invocation logs counted exactly once across shards', () => {
  it('counts a re-delivered envelope once when it lands on another shard, in another container', async () => {
    // Prepare
    const store = new InMemorySpendStore();
    const calls = events(4);
    const [a, b] = [new Shard(SHARDS[0] as string), new Shard(SHARDS[1] as string)];

    // Act
    const first = await ingestInto(store)(a.records(controlMessageRecord(), envelopeOf(calls)));
    const again = await ingestInto(store)(b.records(envelopeOf(calls)));

    // Assess
    expect([first.summary.counted, first.summary.duplicates, first.summary.skipped]).toEqual([4, 0, 1]);
    expect([again.summary.counted, again.summary.duplicates]).toEqual([0, 4]);
    expect(store.quarantined.size).toBe(0);
    expectCountedOnce(store, calls);
  });

  it('counts a late re-delivery on the same shard once, after the per-shard horizon', async () => {
    // Prepare
    const store = new InMemorySpendStore();
    const calls = events(3);
    const shard = new Shard(SHARDS[0] as string);
    const ingest = createIngestBatch({
      store,
      claimsLog: store,
      quarantine: store,
      requestClaims: store,
      source: 'invocation-logs',
      prices: DEFAULT_PRICE_TABLE,
      dedupeHorizonSeconds: 1,
    });

    // Act
    await ingest(shard.records(envelopeOf(calls)));
    const late = shard.records(envelopeOf(calls)).map((r) => ({ ...r, arrivedAt: ARRIVAL + 20 * 3_600_000 }));
    const result = await ingest(late);

    // Assess
    expect([result.summary.counted, result.summary.duplicates]).toEqual([0, 3]);
    expectCountedOnce(store, calls);
  });

  it('splits one envelope whose calls were partly delivered before: only the new calls count', async () => {
    const store = new InMemorySpendStore();
    const calls = events(5);
    await ingestInto(store)(new Shard(SHARDS[0] as string).records(envelopeOf(calls.slice(0, 2))));

    const result = await ingestInto(store)(new Shard(SHARDS[2] as string).records(envelopeOf(calls)));

    expect([result.summary.counted, result.summary.duplicates]).toEqual([3, 2]);
    expectCountedOnce(store, calls);
  });

  it('never undercounts when the spend write fails after the claim: the retry finds its own claim', async () => {
    // Prepare
    const store = new InMemorySpendStore();
    const calls = events(3);
    const records = new Shard(SHARDS[0] as string).records(envelopeOf(calls));
    const ingest = ingestInto(store);
    store.failWhen = (kind) => kind === 'spend';

    // Act
    const failed = await ingest(records);
    store.failWhen = () => false;
    const retried = await ingest(records);
    const redelivered = await ingestInto(store)(new Shard(SHARDS[1] as string).records(envelopeOf(calls)));

    // Assess
    expect(failed.firstFailedSequenceNumber).toBe(records[0]?.sequenceNumber);
    expect(retried.firstFailedSequenceNumber).toBeUndefined();
    expect(redelivered.summary.counted).toBe(0);
    expectCountedOnce(store, calls);
  });

  it('holds back the calls at and after a failed request claim, and counts them on the retry', async () => {
    const store = new InMemorySpendStore();
    const calls = events(4);
    const shard = new Shard(SHARDS[0] as string);
    const records = shard.records(envelopeOf(calls.slice(0, 2)), envelopeOf(calls.slice(2)));
    const ingest = ingestInto(store);
    let claims = 0;
    store.failWhen = (kind) => kind === 'request_claim' && ++claims === 3;

    const failed = await ingest(records);
    store.failWhen = () => false;
    const retried = await ingest(records.slice(1));

    expect(failed.firstFailedSequenceNumber).toBe(records[1]?.sequenceNumber);
    expect(failed.summary.counted).toBe(2);
    expect(retried.summary.counted).toBe(2);
    expectCountedOnce(store, calls);
  });

  it('property: any interleaving of re-deliveries over shards, with failures and retries, counts each call once', async () => {
    const kinds: WriteKind[] = ['spend', 'claims', 'request_claim', 'session'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            calls: fc.uniqueArray(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 4 }),
            shard: fc.integer({ min: 0, max: 2 }),
          }),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(fc.tuple(fc.constantFrom(...kinds), fc.integer({ min: 1, max: 40 })), { maxLength: 4 }),
        fc.boolean(),
        async (deliveries, faults, afterWrite) => {
          // Prepare
          const store = new InMemorySpendStore();
          const all = events(12);
          const shards = SHARDS.map((id) => new Shard(id));
          const containers = SHARDS.map(() => ingestInto(store));
          const pending = new Set(faults.map(([kind, n]) => `${kind}#${n}`));
          let operation = 0;
          const inject = (kind: WriteKind) => pending.delete(`${kind}#${++operation}`);
          if (afterWrite) store.failAfterWhen = inject;
          else store.failWhen = inject;

          // Act: each envelope is retried from the first failed record until it goes through
          for (const { calls, shard } of deliveries) {
            let records = (shards[shard] as Shard).records(
              envelopeOf(calls.map((i) => all[i] as CostEventV2)),
            );
            for (let attempt = 0; attempt < 20 && records.length > 0; attempt += 1) {
              const result = await (containers[shard] as ReturnType<typeof ingestInto>)(records);
              const failedAt = result.firstFailedSequenceNumber;
              records =
                failedAt === undefined
                  ? []
                  : records.filter((r) => BigInt(r.sequenceNumber) >= BigInt(failedAt));
            }
            expect(records).toEqual([]);
          }

          // Assess
          const delivered = [...new Set(deliveries.flatMap((d) => d.calls))].map(
            (i) => all[i] as CostEventV2,
          );
          expectCountedOnce(store, delivered);
        },
      ),
      { numRuns: 150 },
    );
  });
});
