import { describe, expect, it } from '@jest/globals';
import { claimKey, ShardClaimsCache } from '../../../../functions/core/ingest/claims-cache';
import type { ClaimsLogEntry, LoggedSession } from '../../../../functions/core/ingest/claims-log';

const anEntry = (firstPosition: string, arrivedAt: number, sessions: LoggedSession[]): ClaimsLogEntry => ({
  shardId: 'shardId-000000000000',
  firstPosition,
  lastPosition: sessions
    .flatMap((s) => s.claims.map((c) => c.position))
    .reduce((a, b) => (BigInt(a) > BigInt(b) ? a : b)),
  arrivedAt,
  sessions,
});

const aSession = (sessionId: string, intents: string[], costNano: number, positions: [string, string][]) => ({
  sessionId,
  intents,
  costNano,
  lastEventAt: 1_000 + costNano,
  claims: positions.map(([eventId, position]) => ({ eventId, position })),
});

describe('ShardClaimsCache', () => {
  it('sums a session over its entries and forgets what arrived before the horizon', () => {
    // Prepare
    const cache = new ShardClaimsCache();
    cache.apply(
      anEntry('100', 0, [
        aSession('s1', ['faq'], 10, [
          ['a', '100'],
          ['b', '101'],
        ]),
      ]),
    );
    cache.apply(anEntry('200', 60, [aSession('s1', ['recommendation'], 5, [['c', '200']])]));

    // Act
    const before = cache.session('s1');
    cache.evictArrivedBefore(30);

    // Assess
    expect(before).toMatchObject({ costNano: 15, events: 3, intents: ['faq', 'recommendation'] });
    expect(cache.session('s1')).toMatchObject({ costNano: 5, events: 1, intents: ['recommendation'] });
    expect([cache.holder(claimKey('s1', 'a')), cache.holder(claimKey('s1', 'c'))]).toEqual([
      undefined,
      '200',
    ]);
    expect([cache.newestEntry, cache.highWater]).toEqual(['200', '200']);
  });

  it('keeps a later claim of the same id when the earlier one is evicted', () => {
    const cache = new ShardClaimsCache();
    cache.apply(anEntry('100', 0, [aSession('s1', ['faq'], 1, [['a', '100']])]));
    cache.apply(anEntry('900', 7_200, [aSession('s1', ['faq'], 1, [['a', '900']])]));

    cache.evictArrivedBefore(3_600);

    expect(cache.holder(claimKey('s1', 'a'))).toBe('900');
    expect(cache.session('s1')).toMatchObject({ costNano: 1, events: 1 });
  });

  it('drops a session once all its entries are evicted, and keeps the end of the log known', () => {
    const cache = new ShardClaimsCache();
    cache.apply(
      anEntry('100', 0, [
        aSession('s1', ['faq'], 1, [
          ['a', '100'],
          ['b', '105'],
        ]),
      ]),
    );

    cache.evictArrivedBefore(1);

    expect(cache.session('s1')).toBeUndefined();
    expect(cache.size).toBe(0);
    expect([cache.newestEntry, cache.highWater]).toEqual(['100', '105']);
  });
});
