import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  createIngestBatch,
  type IngestDependencies,
  type StreamRecord,
} from '../../../../functions/core/ingest/ingest-batch';
import { DEFAULT_PRICE_TABLE } from '../../../../functions/core/pricing/price-table';
import { expectedTotals } from '../../../../scripts/scenarios/expected-totals';
import { streamPayloads } from '../../../helpers/arbitraries';
import { aBatch, aPackedBatch, aV2Event } from '../../../helpers/cost-events';
import { InMemorySpendStore } from '../../../helpers/in-memory-spend-store';

/** A container's ingest over a shared store; every session is persisted, so their sums can be checked. */
const ingestInto = (store: InMemorySpendStore, options: Partial<IngestDependencies> = {}) =>
  createIngestBatch({
    store,
    claimsLog: store,
    quarantine: store,
    prices: DEFAULT_PRICE_TABLE,
    concurrency: 4,
    sessionPersistMinNano: 0,
    ...options,
  });

/**
 * What the totals must be: each valid event once per (session, event_id), whatever the delivery did, in
 * the spend items, in the claims log and in the session items.
 */
const expectExactTotals = (store: InMemorySpendStore, payloads: unknown[]) => {
  const { costNano: cost, events } = expectedTotals(payloads);
  for (const prefix of ['HOUR#', 'DAY#', 'Q15#', 'SESSION#'] as const) {
    expect([prefix, store.total(prefix, 'cost_nano'), store.total(prefix, 'events')]).toEqual([
      prefix,
      cost,
      events,
    ]);
  }
  const logged = store.loggedTotals();
  expect(['claims log', logged.costNano, logged.events]).toEqual(['claims log', cost, events]);
};

const EVENT_COST = 8_400_000;
const MINUTE = 60_000;
const ARRIVAL = Date.parse('2025-03-15T14:23:02.000Z');

describe('ingestBatch', () => {
  it('folds a batch into hourly, daily and 15-minute items with one claims log entry', async () => {
    // Prepare
    const store = new InMemorySpendStore();
    const payloads = [
      aV2Event({ event_id: 'a', input_tokens: 800, output_tokens: 400 }),
      aV2Event({ event_id: 'b', input_tokens: 800, output_tokens: 400 }),
    ];

    // Act
    const result = await ingestInto(store)(aBatch(payloads));

    // Assess
    expect(result.summary).toMatchObject({ records: 2, counted: 2, duplicates: 0, costNano: 2 * EVENT_COST });
    expect(result.firstFailedSequenceNumber).toBeUndefined();
    expect(result.summary.writes).toMatchObject({
      spendItems: 3,
      claimsLog: 1,
      sessions: 1,
      claimsLogReads: 1,
    });
    expect(store.items.get('DAY#2025-03-15|TOTAL')).toMatchObject({ events: 2, cost_nano: 2 * EVENT_COST });
    expectExactTotals(store, payloads);
  });

  it('reports the events that counted, in stream order, and the running spend of every session they touched', async () => {
    // Prepare
    const ingest = ingestInto(new InMemorySpendStore());
    const at = (minute: number) => Date.parse('2025-03-15T10:00:00Z') + minute * MINUTE;
    const first = [aV2Event({ event_id: 'a', session_id: 's1', occurred_at: at(0) })];
    const second = [
      aV2Event({ event_id: 'b', session_id: 's2', intent: 'faq', occurred_at: at(1) }),
      aV2Event({ event_id: 'a', session_id: 's1', occurred_at: at(0) }),
      aV2Event({ event_id: 'c', session_id: 's1', intent: 'faq', occurred_at: at(5) }),
    ];

    // Act
    await ingest(aBatch(first, { firstSequence: 1_000n }));
    const result = await ingest(aBatch(second, { firstSequence: 2_000n }));

    // Assess: s1's cost runs over both batches; the re-sent 'a' is not counted again.
    expect(result.countedEvents.map((e) => e.eventId)).toEqual(['b', 'c']);
    expect(result.sessions).toEqual([
      { sessionId: 's2', intents: ['faq'], costNano: EVENT_COST, events: 1, lastEventAt: at(1) },
      {
        sessionId: 's1',
        intents: ['recommendation', 'faq'],
        costNano: 2 * EVENT_COST,
        events: 2,
        lastEventAt: at(5),
      },
    ]);
  });

  it('counts a producer duplicate once, within a batch and across batches', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const event = aV2Event({ event_id: 'dup-1' });

    const first = await ingest(aBatch([event, event], { firstSequence: 1_000n }));
    const second = await ingest(aBatch([event], { firstSequence: 2_000n }));

    expect(first.summary).toMatchObject({ counted: 1, duplicates: 1 });
    expect(second.summary).toMatchObject({ counted: 0, duplicates: 1 });
    expectExactTotals(store, [event]);
  });

  it('treats the same event id in two sessions as two events', async () => {
    const store = new InMemorySpendStore();
    const payloads = [
      aV2Event({ event_id: 'x', session_id: 's1' }),
      aV2Event({ event_id: 'x', session_id: 's2' }),
    ];

    const result = await ingestInto(store)(aBatch(payloads));

    expect(result.summary).toMatchObject({ counted: 2, duplicates: 0 });
    expectExactTotals(store, payloads);
  });

  it('counts nothing twice when the same batch is delivered again, and logs no new claim', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const payloads = [aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b', session_id: 'sess-2' })];
    const batch = aBatch(payloads);

    await ingest(batch);
    const again = await ingest(batch);

    expect(again.summary.counted).toBe(2);
    expect(again.summary.writes.claimsLog).toBe(0);
    expect(again.firstFailedSequenceNumber).toBeUndefined();
    expectExactTotals(store, payloads);
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

  it('keeps the claims log a day past the horizon and session items 7 days, both counted from arrival', async () => {
    const store = new InMemorySpendStore();
    const arrivedAt = Date.parse('2026-11-23T12:00:00Z');
    const records = aBatch([aV2Event()]).map((record) => ({ ...record, arrivedAt }));

    await ingestInto(store)(records);

    expect(store.log.get('shardId-000000000000')?.[0]?.expiresAt).toBe(
      Date.parse('2026-11-24T13:00:00Z') / 1_000,
    );
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

    expect(result.summary).toMatchObject({
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

  it('counts nothing and resumes at the first record when the claims log cannot be read', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const records = aBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]);
    store.failWhen = (kind) => kind === 'claims_read';

    const result = await ingest(records);

    expect(result).toMatchObject({
      summary: { counted: 0 },
      firstFailedSequenceNumber: records[0]?.sequenceNumber,
    });
    expect(store.items.size).toBe(0);
  });

  it('holds back spend items at and after a failed claims log write, so their events are not lost', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store, { maxLogBodyBytes: 64 });
    const payloads = [1, 2, 3].map((n) => aV2Event({ event_id: `e${n}`, session_id: `s${n}` }));
    const records = aBatch(payloads);
    let appends = 0;
    store.failWhen = (kind) => kind === 'claims' && ++appends === 2;

    const first = await ingest(records);
    store.failWhen = () => false;
    const resumeAt = records.findIndex((r) => r.sequenceNumber === first.firstFailedSequenceNumber);
    await ingest(records.slice(resumeAt));

    expect(first.summary.counted).toBe(1);
    expect(resumeAt).toBe(1);
    expectExactTotals(store, payloads);
  });

  it('counts its own claims when a log write was applied but reported failed, and the whole batch comes again', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const payloads = [aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b', session_id: 's2' })];
    store.failAfterWhen = (kind) => kind === 'claims';

    const lost = await ingest(aBatch(payloads));
    store.failAfterWhen = () => false;
    const again = await ingest(aBatch(payloads));

    expect(lost).toMatchObject({
      summary: { counted: 0 },
      firstFailedSequenceNumber: aBatch(payloads)[0]?.sequenceNumber,
    });
    expect(again.summary).toMatchObject({ counted: 2, duplicates: 0 });
    expect(again.summary.writes.claimsLog).toBe(0);
    expectExactTotals(store, payloads);
  });

  it('re-reads the log and decides again when another writer logged at the same position', async () => {
    const store = new InMemorySpendStore();
    const payloads = [aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b', session_id: 's2' })];
    const records = aBatch(payloads);
    const stale = ingestInto(store);
    await stale(aBatch([aV2Event({ event_id: 'z' })], { firstSequence: 1_000n }));
    // A second container logs the same batch between the stale container's read and its put.
    const readAfter = store.readAfter.bind(store);
    store.readAfter = async (shardId, after) => {
      const items = await readAfter(shardId, after);
      store.readAfter = readAfter;
      await ingestInto(store)(records);
      return items;
    };

    const result = await stale(records);

    expect(result.summary).toMatchObject({ counted: 2, duplicates: 0 });
    // One put found its position taken; the second read found the other container's entry.
    expect(result.summary.writes).toMatchObject({ claimsLog: 1, claimsLogReads: 2 });
    expectExactTotals(store, [aV2Event({ event_id: 'z' }), ...payloads]);
  });

  it('splits a batch whose claims outgrow one log item, each item within the size bound', async () => {
    const store = new InMemorySpendStore();
    const payloads = Array.from({ length: 40 }, (_, n) =>
      aV2Event({ event_id: `evt-${n}-${'x'.repeat(40)}`, session_id: `s${n % 7}` }),
    );

    const result = await ingestInto(store, { maxLogBodyBytes: 1_000 })(aBatch(payloads));

    const items = store.log.get('shardId-000000000000') ?? [];
    expect(result.summary.writes.claimsLog).toBe(items.length);
    expect(items.length).toBeGreaterThan(3);
    expectExactTotals(store, payloads);
  });

  describe('with containers taking turns on a shard', () => {
    it('recognises a duplicate of a claim another container logged, however stale its cache', async () => {
      const store = new InMemorySpendStore();
      const [a, b] = [ingestInto(store), ingestInto(store)];
      const e1 = aV2Event({ event_id: 'e1' });
      const e2 = aV2Event({ event_id: 'e2', session_id: 's2' });

      await a(aBatch([e1], { firstSequence: 1_000n }));
      const onB = await b(aBatch([e2, e1], { firstSequence: 2_000n }));
      const onA = await a(aBatch([e2, e1], { firstSequence: 3_000n }));

      expect(onB.summary).toMatchObject({ counted: 1, duplicates: 1 });
      expect(onA.summary).toMatchObject({ counted: 0, duplicates: 2 });
      expectExactTotals(store, [e1, e2]);
    });

    it('loads the horizon on a cold start mid-stream: duplicates are caught, own retried claims count', async () => {
      const store = new InMemorySpendStore();
      const payloads = [1, 2, 3, 4].map((n) => aV2Event({ event_id: `e${n}`, session_id: `s${n % 2}` }));
      const records = aBatch(payloads, { firstSequence: 1_000n });
      await ingestInto(store)(records);
      const cold = ingestInto(store);

      const retried = await cold(records.slice(2));
      const duplicates = await cold(aBatch(payloads.slice(0, 2), { firstSequence: 9_000n }));

      expect(retried.summary).toMatchObject({ counted: 2, duplicates: 0 });
      expect(retried.sessions.map((s) => [s.sessionId, s.costNano])).toEqual([
        ['s1', 2 * EVENT_COST],
        ['s0', 2 * EVENT_COST],
      ]);
      expect(duplicates.summary).toMatchObject({ counted: 0, duplicates: 2 });
      expectExactTotals(store, payloads);
    });

    it('reads only the horizon on a cold start, newest first', async () => {
      const store = new InMemorySpendStore();
      const warm = ingestInto(store);
      for (let hour = 0; hour < 5; hour += 1) {
        const event = aV2Event({ event_id: `h${hour}`, session_id: `s${hour}` });
        await warm(
          aBatch([event], {
            firstSequence: 1_000n * BigInt(hour + 1),
            arrivedAt: ARRIVAL + hour * 60 * MINUTE,
          }),
        );
      }
      let read = 0;
      const readNewestFirst = store.readNewestFirst.bind(store);
      store.readNewestFirst = async function* (shardId) {
        for await (const item of readNewestFirst(shardId)) {
          read += 1;
          yield item;
        }
      };

      const cold = ingestInto(store);
      const result = await cold(
        aBatch(
          [aV2Event({ event_id: 'h4', session_id: 's4' }), aV2Event({ event_id: 'h3', session_id: 's3' })],
          {
            firstSequence: 9_000n,
            arrivedAt: ARRIVAL + 4 * 60 * MINUTE + 30 * MINUTE,
          },
        ),
      );

      // Hour 4 is within the horizon, hour 3 (90 minutes before) is not: it is read, to find where the log ends.
      expect(read).toBe(2);
      expect(result.summary).toMatchObject({ counted: 1, duplicates: 1 });
    });
  });

  describe('with a dedupe horizon', () => {
    it('catches a duplicate within the horizon and counts one that arrives after it', async () => {
      const store = new InMemorySpendStore();
      const ingest = ingestInto(store, { dedupeHorizonSeconds: 3_600 });
      const event = aV2Event({ event_id: 'late' });

      await ingest(aBatch([event], { firstSequence: 1_000n, arrivedAt: ARRIVAL }));
      const within = await ingest(
        aBatch([event], { firstSequence: 2_000n, arrivedAt: ARRIVAL + 59 * MINUTE }),
      );
      const after = await ingest(
        aBatch([event], { firstSequence: 3_000n, arrivedAt: ARRIVAL + 61 * MINUTE }),
      );

      expect(within.summary).toMatchObject({ counted: 0, duplicates: 1 });
      expect(after.summary).toMatchObject({ counted: 1, duplicates: 0 });
      expect(after.sessions[0]).toMatchObject({ costNano: EVENT_COST, events: 1 });
    });

    it('still applies a retried event exactly once after its claim left the horizon', async () => {
      const store = new InMemorySpendStore();
      const ingest = ingestInto(store, { dedupeHorizonSeconds: 3_600 });
      const payloads = [aV2Event({ event_id: 'old' })];
      const old = aBatch(payloads, { firstSequence: 1_000n, arrivedAt: ARRIVAL });
      await ingest(old);
      await ingest(
        aBatch([aV2Event({ event_id: 'new', session_id: 's2' })], {
          firstSequence: 2_000n,
          arrivedAt: ARRIVAL + 2 * 60 * MINUTE,
        }),
      );

      const retried = await ingest(old);

      expect(retried.summary).toMatchObject({ counted: 1, duplicates: 0 });
      expect(retried.summary.writes.claimsLog).toBe(0);
      expect([store.total('DAY#', 'events'), store.total('DAY#', 'cost_nano')]).toEqual([2, 2 * EVENT_COST]);
    });
  });

  describe('persisting sessions', () => {
    it('persists a session only once its running cost reaches the threshold, with the running cost', async () => {
      const store = new InMemorySpendStore();
      const ingest = ingestInto(store, { sessionPersistMinNano: 3 * EVENT_COST });
      const turns = [1, 2, 3, 4].map((n) => aV2Event({ event_id: `t${n}`, session_id: 'chatty' }));
      const cheap = aV2Event({ event_id: 'c1', session_id: 'cheap' });

      const early = await ingest(aBatch([turns[0], turns[1], cheap], { firstSequence: 1_000n }));
      const crossing = await ingest(aBatch([turns[2]], { firstSequence: 2_000n }));
      const further = await ingest(aBatch([turns[3]], { firstSequence: 3_000n }));

      expect([
        early.summary.writes.sessions,
        crossing.summary.writes.sessions,
        further.summary.writes.sessions,
      ]).toEqual([0, 1, 1]);
      expect(store.items.has('SESSION#cheap|SESSION')).toBe(false);
      expect(store.items.get('SESSION#chatty|SESSION')).toMatchObject({
        cost_nano: 4 * EVENT_COST,
        events: 4,
        intents: ['recommendation'],
      });
    });

    it('never moves a session back to an earlier position when an older batch is retried', async () => {
      const store = new InMemorySpendStore();
      const ingest = ingestInto(store);
      const records = aBatch([1, 2, 3].map((n) => aV2Event({ event_id: `t${n}` })));

      await ingest(records);
      const retried = await ingest(records.slice(0, 1));

      expect(retried.summary.writes.sessions).toBe(1);
      expect(store.items.get('SESSION#sess-xyz789|SESSION')).toMatchObject({
        cost_nano: 3 * EVENT_COST,
        events: 3,
      });
    });

    it('reports a failed session write, and the redelivery writes it', async () => {
      const store = new InMemorySpendStore();
      const ingest = ingestInto(store);
      const payloads = [
        aV2Event({ event_id: 'a', session_id: 's1' }),
        aV2Event({ event_id: 'b', session_id: 's2' }),
      ];
      const records = aBatch(payloads);
      store.failWhen = (kind) => kind === 'session';

      const first = await ingest(records);
      store.failWhen = () => false;
      const resumeAt = records.findIndex((r) => r.sequenceNumber === first.firstFailedSequenceNumber);
      await ingest(records.slice(resumeAt));

      expect(resumeAt).toBe(0);
      expectExactTotals(store, payloads);
    });
  });

  it('folds a record that packs several events, gzip or not, and quarantines only its bad line', async () => {
    const store = new InMemorySpendStore();
    const ingest = ingestInto(store);
    const packed = [aV2Event({ event_id: 'p1' }), 'not json', aV2Event({ event_id: 'p2', session_id: 's2' })];
    const plain = [aV2Event({ event_id: 'p3', session_id: 's3' })];

    const result = await ingest([
      ...aPackedBatch([packed], { gzip: true }),
      ...aPackedBatch([plain], { firstSequence: 99_000_000_000n }),
    ]);

    expect(result.summary).toMatchObject({ records: 2, counted: 3, quarantined: { malformed_json: 1 } });
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
    const records = aPackedBatch(groups);
    store.failWhen = (kind, n) => kind === 'spend' && n === 5;

    const first = await ingest(records);
    store.failWhen = () => false;
    const resumeAt = records.findIndex((r) => r.sequenceNumber === first.firstFailedSequenceNumber);
    await ingest(records.slice(resumeAt));

    expect(resumeAt).toBeGreaterThanOrEqual(0);
    expectExactTotals(store, groups.flat());
  });

  it('is exactly once under any mix of retries, bisection, crashes, lost responses, partial failures, duplicates and containers', async () => {
    const schedule = fc.record({
      batchSizes: fc.infiniteStream(fc.integer({ min: 1, max: 25 })),
      faults: fc.infiniteStream(
        fc.constantFrom('none', 'none', 'partial', 'crash', 'bisect', 'lost_response'),
      ),
      // 0 and 1: one of two warm containers; 2: a new container (a cold start) replaces the first.
      containers: fc.infiniteStream(fc.constantFrom(0, 0, 0, 1, 2)),
      failEvery: fc.integer({ min: 2, max: 9 }),
      packEvery: fc.integer({ min: 1, max: 4 }),
      maxLogBodyBytes: fc.constantFrom(100, 400, 380_000),
      sessionPersistMinNano: fc.constantFrom(0, 0, 20_000_000),
    });
    await fc.assert(
      fc.asyncProperty(
        streamPayloads(),
        schedule,
        async (
          payloads,
          { batchSizes, faults, containers, failEvery, packEvery, maxLogBodyBytes, sessionPersistMinNano },
        ) => {
          const store = new InMemorySpendStore();
          const options = { maxLogBodyBytes, sessionPersistMinNano };
          const running = [ingestInto(store, options), ingestInto(store, options)];
          // Some records carry one event, others pack several (NDJSON, sometimes gzip), as producers may.
          const groups: unknown[][] = [];
          for (let i = 0; i < payloads.length; i += 1 + (i % packEvery))
            groups.push(payloads.slice(i, i + 1 + (i % packEvery)));
          const records = aPackedBatch(groups, { gzip: packEvery % 2 === 0 });
          let checkpoint = 0;
          for (let round = 0; checkpoint < records.length; round += 1) {
            if (round > 500) throw new Error('no progress');
            let batch: StreamRecord[] = records.slice(checkpoint, checkpoint + batchSizes.next().value);
            const fault = faults.next().value;
            if (fault === 'bisect' && batch.length > 1) batch = batch.slice(0, Math.ceil(batch.length / 2));
            const failing = (_kind: unknown, n: number) => n % failEvery === 0;
            store.failWhen = fault === 'partial' || fault === 'crash' ? failing : () => false;
            store.failAfterWhen = fault === 'lost_response' ? failing : () => false;
            const container = containers.next().value;
            if (container === 2) running[0] = ingestInto(store, options);
            const ingest = running[container === 1 ? 1 : 0] as (typeof running)[number];
            const outcome = await ingest(batch);
            // A crash loses the response: the event source redelivers the whole batch.
            if (fault === 'crash') continue;
            const failedAt = outcome.firstFailedSequenceNumber;
            checkpoint =
              failedAt === undefined
                ? checkpoint + batch.length
                : records.findIndex((r) => r.sequenceNumber === failedAt);
          }
          const { costNano, events } = expectedTotals(payloads);
          for (const prefix of ['HOUR#', 'DAY#', 'Q15#'] as const) {
            expect([prefix, store.total(prefix, 'cost_nano'), store.total(prefix, 'events')]).toEqual([
              prefix,
              costNano,
              events,
            ]);
          }
          const logged = store.loggedTotals();
          expect([logged.costNano, logged.events]).toEqual([costNano, events]);
          if (sessionPersistMinNano === 0) expectExactTotals(store, payloads);
        },
      ),
      { numRuns: 200 },
    );
  });
});
