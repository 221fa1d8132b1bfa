import { randomBytes } from 'node:crypto';
import { deflateRawSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { eventPosition } from '../../../../functions/core/events/record-payloads';
import type { Positioned } from '../../../../functions/core/ingest/batch-model';
import {
  decodeLogItem,
  encodeBodyText,
  encodeLogItem,
  MAX_LOG_BODY_BYTES,
  planLogEntries,
  UnreadableLogItemError,
} from '../../../../functions/core/ingest/claims-log';

const SHARD = 'shardId-000000000001';
const ITEM_LIMIT_BYTES = 400 * 1024;

/** A claim as the ingest hands it over: only the fields the log reads are real. */
const aClaim = (c: {
  sequenceNumber: string;
  index: number;
  eventId: string;
  sessionId: string;
  intent?: string;
  costNano?: number;
  occurredAt?: number;
  arrivedAt?: number;
}): Positioned =>
  ({
    sequence: eventPosition(c.sequenceNumber, c.index),
    record: {
      shardId: SHARD,
      sequenceNumber: c.sequenceNumber,
      arrivedAt: c.arrivedAt ?? 1_000,
      partitionKey: 'pk',
    },
    event: {
      eventId: c.eventId,
      sessionId: c.sessionId,
      intent: c.intent ?? 'faq',
      costNano: c.costNano ?? 1,
      occurredAt: c.occurredAt ?? 1_742_000_000_000,
    },
  }) as unknown as Positioned;

const identifier = (maxLength: number) =>
  fc.stringMatching(new RegExp(`^[A-Za-z0-9][A-Za-z0-9_.:-]{0,${maxLength - 1}}$`));

/** Claims in stream order: records with increasing sequence numbers (gaps up to 40 digits), events at indexes. */
const claimsInStreamOrder = () =>
  fc
    .tuple(
      fc.bigInt({ min: 1n, max: 10n ** 56n }),
      fc.array(
        fc.record({
          gap: fc.bigInt({ min: 1n, max: 10n ** 40n }),
          indexes: fc.uniqueArray(fc.integer({ min: 0, max: 99_999 }), { minLength: 1, maxLength: 6 }),
        }),
        { minLength: 1, maxLength: 20 },
      ),
      fc.array(
        fc.record({
          eventId: identifier(64),
          sessionId: fc.constantFrom('s1', 'sess-0123456789ab', 'x'),
          intent: fc.constantFrom('faq', 'recommendation', 'order_tracking'),
          costNano: fc.integer({ min: 0, max: 2 ** 40 }),
          occurredAt: fc.integer({ min: 1_577_836_800_000, max: 4_102_444_800_000 }),
          arrivedAt: fc.integer({ min: 0, max: 2 ** 45 }),
        }),
        { minLength: 200, maxLength: 200 },
      ),
    )
    .map(([start, records, fields]) => {
      const claims: Positioned[] = [];
      let sequence = start;
      for (const { gap, indexes } of records) {
        sequence += gap;
        for (const index of [...indexes].sort((a, b) => a - b)) {
          const f = fields[claims.length % fields.length] as (typeof fields)[number];
          claims.push(
            aClaim({
              ...f,
              eventId: `${f.eventId}-${claims.length}`,
              sequenceNumber: String(sequence),
              index,
            }),
          );
        }
      }
      return claims;
    });

describe('claims log entries', () => {
  it('round-trip every claim at its exact position, with its session deltas, within the size bound', () => {
    fc.assert(
      fc.property(claimsInStreamOrder(), fc.integer({ min: 400, max: 5_000 }), (claims, maxBodyBytes) => {
        // Act
        const entries = planLogEntries(SHARD, claims, maxBodyBytes);
        const decoded = entries.map((entry) => decodeLogItem(encodeLogItem(entry, 0)));

        // Assess
        for (const entry of entries)
          expect(Buffer.byteLength(encodeBodyText(entry))).toBeLessThanOrEqual(maxBodyBytes);
        expect(decoded).toEqual(entries);
        const logged = decoded.flatMap((e) =>
          e.sessions.flatMap((s) => s.claims.map((c) => `${s.sessionId} ${c.eventId} ${c.position}`)),
        );
        expect(logged.sort()).toEqual(
          claims.map((c) => `${c.event.sessionId} ${c.event.eventId} ${c.sequence}`).sort(),
        );
        const cost = decoded.flatMap((e) => e.sessions).reduce((sum, s) => sum + s.costNano, 0);
        expect(cost).toBe(claims.reduce((sum, c) => sum + c.event.costNano, 0));
        entries.forEach((entry, i) => {
          const next = entries[i + 1];
          if (next !== undefined)
            expect(BigInt(next.firstPosition)).toBeGreaterThan(BigInt(entry.lastPosition));
        });
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a worst-case item (longest ids, one session and record per event, incompressible) under 400 KB', () => {
    // Prepare: random 64-character ids, so deflate cannot shrink them.
    const random = (n: number) => randomBytes(n / 2).toString('hex');
    const claims = Array.from({ length: 10_000 }, (_, i) =>
      aClaim({
        sequenceNumber: String(10n ** 128n + BigInt(i) * 10n ** 60n),
        index: 99_999,
        eventId: `${random(60)}${String(i).padStart(4, '0')}`,
        sessionId: `${random(60)}${String(i).padStart(4, '0')}`,
        intent: 'i'.repeat(40),
        costNano: Number.MAX_SAFE_INTEGER,
      }),
    );

    // Act
    const entries = planLogEntries(SHARD, claims);

    // Assess: body plus keys and numbers (pk ~30, sk 134 bytes, names and numbers < 100).
    expect(entries.length).toBeGreaterThan(1);
    for (const entry of entries) {
      const item = encodeLogItem(entry, 2_000_000_000);
      expect(Buffer.byteLength(encodeBodyText(entry))).toBeLessThanOrEqual(MAX_LOG_BODY_BYTES);
      expect(item.body.length + 300).toBeLessThan(ITEM_LIMIT_BYTES);
    }
  });

  it('packs a typical batch at well under 100 bytes per claim once deflated', () => {
    const claims = Array.from({ length: 2_000 }, (_, i) =>
      aClaim({
        sequenceNumber: String(49_000_000_000_000_000_000n + BigInt(Math.floor(i / 500))),
        index: i % 500,
        eventId: crypto.randomUUID(),
        sessionId: `sess-${(i % 700).toString(16).padStart(12, '0')}`,
        costNano: 8_400_000 + i,
      }),
    );

    const [entry] = planLogEntries(SHARD, claims);

    expect(entry).toBeDefined();
    expect(encodeLogItem(entry as never, 0).body.length / claims.length).toBeLessThan(100);
  });

  it('refuses to read a body in a format it does not know, rather than lose claims', () => {
    const item = {
      shardId: SHARD,
      firstPosition: '1',
      arrivedAt: 0,
      expiresAt: 0,
      claims: 1,
      body: deflateRawSync('v9\n1\ns faq 1 1 e@0'),
    };

    expect(() => decodeLogItem(item)).toThrow(UnreadableLogItemError);
  });
});
