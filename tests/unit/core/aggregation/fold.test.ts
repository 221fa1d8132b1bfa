import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type Contribution, foldSpend, refoldAfter } from '../../../../functions/core/aggregation/fold';
import { COUNTER_NAMES, type SpendCounters } from '../../../../functions/core/aggregation/spend-items';
import { decodeCostEvent } from '../../../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../../../functions/core/pricing/price-table';
import { isAfter } from '../../../../functions/core/sequence';
import { validV2Event } from '../../../helpers/arbitraries';
import { encode } from '../../../helpers/cost-events';

const contributions = fc.array(validV2Event(), { maxLength: 80 }).map((events) =>
  events.map((v2, i): Contribution => {
    const decoded = decodeCostEvent(encode(v2), DEFAULT_PRICE_TABLE);
    if (!decoded.ok) throw new Error(decoded.reason);
    return { event: decoded.event, sequence: String(1_000 + i) };
  }),
);

const totalsByPrefix = (folded: ReturnType<typeof foldSpend>, prefix: string): SpendCounters => {
  const sum = Object.fromEntries(COUNTER_NAMES.map((c) => [c, 0])) as unknown as SpendCounters;
  for (const item of folded.values()) {
    if (!item.key.pk.startsWith(prefix)) continue;
    for (const c of COUNTER_NAMES) sum[c] += item.counters[c];
  }
  return sum;
};

const snapshot = (folded: ReturnType<typeof foldSpend>) =>
  [...folded.entries()]
    .map(([id, item]) => [id, item.counters, item.firstSequence, item.lastSequence] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1));

describe('foldSpend', () => {
  it('is order-independent', () => {
    fc.assert(
      fc.property(contributions, fc.infiniteStream(fc.nat()), (list, seeds) => {
        const shuffled = [...list].sort(() => (seeds.next().value % 3) - 1);
        expect(snapshot(foldSpend(shuffled))).toEqual(snapshot(foldSpend(list)));
      }),
    );
  });

  it('preserves the sums: hourly, daily and 15-minute items each add up to the events', () => {
    fc.assert(
      fc.property(contributions, (list) => {
        const folded = foldSpend(list);
        const expectedCost = list.reduce((sum, c) => sum + c.event.costNano, 0);
        for (const prefix of ['HOUR#', 'DAY#', 'Q15#']) {
          const totals = totalsByPrefix(folded, prefix);
          expect(totals.cost_nano).toBe(expectedCost);
          expect(totals.events).toBe(list.length);
          expect(totals.input_tokens).toBe(list.reduce((sum, c) => sum + c.event.inputTokens, 0));
        }
      }),
    );
  });

  it('writes one item per distinct key, not one per event', () => {
    fc.assert(
      fc.property(contributions, (list) => {
        const folded = foldSpend(list);
        const hourKeys = new Set(
          list.map((c) =>
            JSON.stringify([
              (c.event.occurredAt / 3_600_000) | 0,
              c.event.intent,
              c.event.modelId,
              c.event.language,
            ]),
          ),
        );
        expect([...folded.keys()].filter((k) => k.startsWith('HOUR#')).length).toBe(hourKeys.size);
      }),
    );
  });

  it('re-folds exactly the part after a watermark, so applying both parts equals applying the whole', () => {
    fc.assert(
      fc.property(contributions, fc.nat(), (list, cut) => {
        for (const item of foldSpend(list).values()) {
          const watermark = item.contributions[cut % item.contributions.length]?.sequence ?? '';
          const before = item.contributions.filter((c) => !isAfter(c.sequence, watermark));
          const after = refoldAfter(item, watermark);
          const beforeCost = before.reduce((sum, c) => sum + c.event.costNano, 0);
          expect(beforeCost + (after?.counters.cost_nano ?? 0)).toBe(item.counters.cost_nano);
          if (after !== null) expect(isAfter(after.firstSequence, watermark)).toBe(true);
        }
      }),
    );
  });
});
