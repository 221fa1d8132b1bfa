import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { createIngestBatch, type StreamRecord } from '../../../../functions/core/ingest/ingest-batch';
import { DEFAULT_PRICE_TABLE } from '../../../../functions/core/pricing/price-table';
import { expectedTotals } from '../../../../scripts/scenarios/expected-totals';
import { streamPayloads } from '../../../helpers/arbitraries';
import { aBatch, anAggregatedBatch, aV2Event } from '../../../helpers/cost-events';
import { InMemorySpendStore } from '../../../helpers/in-memory-spend-store';

const ingestInto = (store: InMemorySpendStore) =>
  createIngestBatch({ store, quarantine: store, prices: DEFAULT_PRICE_TABLE, concurrency: 4 });

/** What the totals must be: each valid event once per (session, event_id), whatever the delivery did. */

const expectExactTotals = (store: InMemorySpendStore, payloads: unknown[]) => {
  const { costNano: cost, events } = expectedTotals(payloads);
  for (const prefix of ['HOUR#', 'DAY#', 'Q15#', 'SESSION#'] as const) {
    expect([prefix, store.total(prefix, 'cost_nano'), store.total(prefix, 'events')]).toEqual([
      prefix,
      cost,
      events,
    ]);
  }
};

describe('ingestBatch', () => {
  it('folds a batch into hourly, daily, 15-minute and session items', async () => {
    // Prepare
    const store = new InMemorySpendStore();
    const payloads = [
      aV2Event({ event_id: 'a', input_tokens: 800, output_tokens: 400 }),
      aV2Event({ event_id: 'b', input_tokens: 800, output_tokens: 400 }),
    ];

    // Act
    const result = await ingestInto(store)(aBatch(payloads));

    // Assess
    expect(result).toMatchObject({ records: 2, counted: 2, duplicates: 0, costNano: 16_800_000 });
    expect(result.firstFailedSequenceNumber).toBeUndefined();
    expect(result.writes).toMatchObject({ spendItems: 3, sessions: 1 });
    expect(store.items.get('DAY#2025-03-15|TOTAL')).toMatchObject({ events: 2, cost_nano: 16_800_000 });
    expectExactTotals(store, payloads);
  });

  it('reports the events that counted, in stream order, and the spend of every session they touched', async () => {
    // Prepare
    const store = new InMemorySpendStore();
    const payloads = [
      aV2Event({ event_id: 'a', session_id: 's1', occurred_at: Date.parse('2025-03-15T10:00:00Z') }),
      aV2Event({ event_id: 'b', session_id: 's2', intent: 'faq' }),
      aV2Event({ event_id: 'a', session_id: 's1' }),
      aV2Event({
        event_id: 'c',
        session_id: 's1',
        intent: 'faq',
        occurred_at: Date.parse('2025-03-15T10:05:00Z'),
      }),
    ];

    // Act
    const result = await ingestInto(store)(aBatch(payloads));

    // Assess
    expect(result.countedEvents.map((c) => c.event.eventId)).toEqual(['a', 'b', 'c']);
    const eventCost = result.countedEvents[0]?.event.costNano ?? 0;
    expect([...result.sessions].sort((x, y) => x.sessionId.localeCompare(y.sessionId))).toEqual([
      {
        sessionId: 's1',
        intents: ['recommendation', 'faq'],
        costNano: 2 * eventCost,
        events: 2,
        lastEventAt: Date.parse('2025-03-15T10:05:00Z'),
      },
      {
        sessionId: 's2',
        intents: ['faq'],
        costNano: eventCost,
        events: 1,
        lastEventAt: Date.parse('2025-03-15T14:23:01.000Z'),
      },
    ]);
  });

  it('counts a producer duplicate once, within a batch and across batches', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const event = aV2Event({ event_id: 'dup-1' });

    const first = await ingest(aBatch([event, event]));
    const second = await ingest(aBatch([event], { firstSequence: 99_000_000n }));

    expect(first).toMatchObject({ counted: 1, duplicates: 1 });
    expect(second).toMatchObject({ counted: 0, duplicates: 1 });
    expectExactTotals(store, [event]);
  });

  it('counts nothing twice when the same batch is delivered again', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const batch = aBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b', session_id: 'sess-2' })]);

    await ingest(batch);
    const again = await ingest(batch);

    expect(again.counted).toBe(2);
    expect(again.firstFailedSequenceNumber).toBeUndefined();
    expectExactTotals(store, [
      aV2Event({ event_id: 'a' }),
      aV2Event({ event_id: 'b', session_id: 'sess-2' }),
    ]);
  });

  it('applies only the new part of a retry that overlaps an applied batch', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const payloads = [1, 2, 3, 4].map((n) => aV2Event({ event_id: `e${n}`, session_id: `s${n}` }));
    const records = aBatch(payloads);

    await ingest(records.slice(0, 3));
    await ingest(records.slice(1));

    expectExactTotals(store, payloads);
  });

  it('keeps event-id claims for 7 days after arrival, even when an old day is replayed', async () => {
    const store = new InMemorySpendStore();
    const arrivedAt = Date.parse('2026-11-23T12:00:00Z');
    const records = aBatch([aV2Event()]).map((record) => ({ ...record, arrivedAt }));

    await ingestInto(store)(records);

    expect(store.items.get('SESSION#sess-xyz789|SESSION')?.expires_at).toBe(
      Date.parse('2026-11-30T12:00:00Z') / 1_000,
    );
  });

  it('quarantines poison records with a reason and a copy, and still counts the rest', async () => {
    const store = new InMemorySpendStore();
    const payloads = [
      'not json',
      aV2Event({ event_id: 'ok' }),
      aV2Event({ schema_version: '3.0', event_id: 'future' }),
    ];

    const result = await ingestInto(store)(aBatch(payloads));

    expect(result).toMatchObject({
      counted: 1,
      quarantined: { malformed_json: 1, unsupported_schema_version: 1 },
    });
    expect(result.firstFailedSequenceNumber).toBeUndefined();
    const copies = [...store.quarantined.values()].map((q) => new TextDecoder().decode(q.data));
    expect(copies).toContain('not json');
    expectExactTotals(store, payloads);
  });

  it('reports the first record whose write failed, and a redelivery from there completes the totals', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const payloads = [1, 2, 3, 4, 5, 6].map((n) =>
      aV2Event({
        event_id: `e${n}`,
        session_id: `s${n % 3}`,
        occurred_at: Date.parse('2025-03-15T10:00:00Z') + n * 3_600_000,
      }),
    );
    const records = aBatch(payloads);
    store.failWhen = (kind, n) => kind === 'spend' && n % 4 === 0;

    const first = await ingest(records);

    expect(first.firstFailedSequenceNumber).toBeDefined();
    store.failWhen = () => false;
    const resumeAt = records.findIndex((r) => r.sequenceNumber === first.firstFailedSequenceNumber);
    await ingest(records.slice(resumeAt));
    expectExactTotals(store, payloads);
  });

  it('holds back spend items after a failed session write, so its events are not lost', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const payloads = [1, 2, 3].map((n) => aV2Event({ event_id: `e${n}`, session_id: `s${n}` }));
    const records = aBatch(payloads);
    store.failWhen = (kind, n) => kind === 'session' && n === 2;

    const first = await ingest(records);
    store.failWhen = () => false;
    const resumeAt = records.findIndex((r) => r.sequenceNumber === first.firstFailedSequenceNumber);
    await ingest(records.slice(resumeAt));

    expect(resumeAt).toBeGreaterThanOrEqual(0);
    expectExactTotals(store, payloads);
  });

  it('folds a record that packs several events, gzip or not, and quarantines only its bad line', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const packed = [aV2Event({ event_id: 'p1' }), 'not json', aV2Event({ event_id: 'p2', session_id: 's2' })];
    const plain = [aV2Event({ event_id: 'p3', session_id: 's3' })];

    const result = await ingest([
      ...anAggregatedBatch([packed], { gzip: true }),
      ...anAggregatedBatch([plain], { firstSequence: 99_000_000_000n }),
    ]);

    expect(result).toMatchObject({ records: 2, counted: 3, quarantined: { malformed_json: 1 } });
    expect(
      [...store.quarantined.values()].map((q) => [q.subSequence, new TextDecoder().decode(q.data)]),
    ).toEqual([[1, 'not json']]);
    expectExactTotals(store, [...packed, ...plain]);
  });

  it('resumes a partially failed packed record at the record, and counts none of its events twice', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const groups = [1, 2, 3].map((r) =>
      [1, 2, 3, 4].map((n) => aV2Event({ event_id: `r${r}e${n}`, session_id: `s${n}` })),
    );
    const records = anAggregatedBatch(groups);
    store.failWhen = (kind, n) => kind === 'spend' && n === 5;

    const first = await ingest(records);
    store.failWhen = () => false;
    const resumeAt = records.findIndex((r) => r.sequenceNumber === first.firstFailedSequenceNumber);
    await ingest(records.slice(resumeAt));

    expect(resumeAt).toBeGreaterThanOrEqual(0);
    expectExactTotals(store, groups.flat());
  });

  it('is exactly once under any mix of retries, bisection, crashes, partial failures and duplicates', async () => {
    const schedule = fc.record({
      batchSizes: fc.infiniteStream(fc.integer({ min: 1, max: 25 })),
      faults: fc.infiniteStream(fc.constantFrom('none', 'none', 'partial', 'crash', 'bisect')),
      failEvery: fc.integer({ min: 2, max: 9 }),
      packEvery: fc.integer({ min: 1, max: 4 }),
    });
    await fc.assert(
      fc.asyncProperty(
        streamPayloads(),
        schedule,
        async (payloads, { batchSizes, faults, failEvery, packEvery }) => {
          const store = new InMemorySpendStore();
          const ingest = ingestInto(store);
          // Some records carry one event, others pack several (NDJSON, sometimes gzip), as producers may.
          const groups: unknown[][] = [];
          for (let i = 0; i < payloads.length; i += 1 + (i % packEvery))
            groups.push(payloads.slice(i, i + 1 + (i % packEvery)));
          const records = anAggregatedBatch(groups, { gzip: packEvery % 2 === 0 });
          let checkpoint = 0;
          for (let round = 0; checkpoint < records.length; round += 1) {
            if (round > 500) throw new Error('no progress');
            let batch: StreamRecord[] = records.slice(checkpoint, checkpoint + batchSizes.next().value);
            const fault = faults.next().value;
            if (fault === 'bisect' && batch.length > 1) batch = batch.slice(0, Math.ceil(batch.length / 2));
            store.failWhen =
              fault === 'partial' || fault === 'crash' ? (_kind, n) => n % failEvery === 0 : () => false;
            const outcome = await ingest(batch);
            // A crash loses the response: the event source redelivers the whole batch.
            if (fault === 'crash') continue;
            const failedAt = outcome.firstFailedSequenceNumber;
            checkpoint =
              failedAt === undefined
                ? checkpoint + batch.length
                : records.findIndex((r) => r.sequenceNumber === failedAt);
          }
          expectExactTotals(store, payloads);
        },
      ),
      { numRuns: 150 },
    );
  });
});
