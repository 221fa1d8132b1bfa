import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { CostEvent } from '../../../../functions/core/events/cost-event';
import { fromV2 } from '../../../../functions/core/events/upcast';
import { formatUsd } from '../../../../functions/core/money';
import { DEFAULT_PRICE_TABLE, priceEvent } from '../../../../functions/core/pricing/price-table';
import { aV2Event, HAIKU, SONNET } from '../../../helpers/cost-events';

const costOf = (overrides: Parameters<typeof aV2Event>[0]): number => {
  const priced = priceEvent(fromV2(aV2Event(overrides)), DEFAULT_PRICE_TABLE);
  if (priced.estimated) throw new Error(`estimated: ${priced.reason}`);
  return priced.costNano;
};

// Seed 001 A4: intent, model, daily volume, average input and output tokens, the table's Cost/Conv in
// units of $0.00001 and its Daily Cost in dollars (the table rounds Cost/Conv before multiplying).
const A4_TABLE: [string, string, number, number, number, number, number][] = [
  ['recommendation', SONNET, 67_000, 1_200, 450, 1_035, 693],
  ['product_question', SONNET, 50_000, 900, 400, 870, 435],
  ['faq', HAIKU, 100_000, 500, 200, 38, 38],
  ['order_tracking', HAIKU, 83_000, 600, 300, 53, 44],
  ['return_request', HAIKU, 27_000, 700, 350, 61, 16],
  ['promotion', HAIKU, 40_000, 400, 200, 35, 14],
  ['checkout_help', SONNET, 33_000, 800, 300, 690, 228],
  ['chitchat', HAIKU, 17_000, 300, 150, 26, 4],
  ['escalation', HAIKU, 7_000, 600, 400, 65, 5],
  ['product_discovery', SONNET, 60_000, 1_100, 400, 930, 558],
];

describe('priceEvent', () => {
  it('prices a Sonnet recommendation conversation at $0.0084 (seed 001 A1)', () => {
    expect(costOf({ model_id: SONNET, input_tokens: 800, output_tokens: 400 })).toBe(8_400_000);
  });

  it('prices the same conversation on Haiku at $0.0007 (seed 001 A1)', () => {
    expect(costOf({ model_id: HAIKU, input_tokens: 800, output_tokens: 400 })).toBe(700_000);
  });

  it.each(A4_TABLE)(
    'prices %s at the A4 cost per conversation and per day',
    (intent, model, volume, input, output, perConv, daily) => {
      const perConversation = costOf({ intent, model_id: model, input_tokens: input, output_tokens: output });
      expect(Math.round(perConversation / 10_000)).toBe(perConv);
      expect(Math.abs((perConversation * volume) / 1e9 - daily)).toBeLessThanOrEqual(0.6);
    },
  );

  it('sums the A4 table to $2,035 a day', () => {
    const total = A4_TABLE.reduce(
      (sum, [intent, model, volume, input, output]) =>
        sum + volume * costOf({ intent, model_id: model, input_tokens: input, output_tokens: output }),
      0,
    );
    expect(total).toBe(2_034_775_000_000);
    expect(formatUsd(total, 0)).toBe('2034');
    expect(Math.round(total / 1e9)).toBe(2_035);
  });

  it('prices prompt-cache reads at 0.1x and writes at 1.25x input, separately from input tokens', () => {
    const cold = costOf({ input_tokens: 100, output_tokens: 0, cache_write_tokens: 2_000 });
    const warm = costOf({ input_tokens: 100, output_tokens: 0, cache_read_tokens: 2_000 });
    expect(cold).toBe(100 * 3_000 + 2_000 * 3_750);
    expect(warm).toBe(100 * 3_000 + 2_000 * 300);
  });

  it('prices a cross-region inference profile at its base model price', () => {
    expect(costOf({ model_id: `us.${SONNET}` })).toBe(costOf({ model_id: SONNET }));
  });

  it('applies the ap-northeast-1 uplift of the 2024-11 table, exactly', () => {
    expect(costOf({ region: 'ap-northeast-1', model_id: HAIKU, input_tokens: 1, output_tokens: 0 })).toBe(
      275,
    );
    expect(
      costOf({ region: 'ap-northeast-1', model_id: SONNET, input_tokens: 800, output_tokens: 400 }),
    ).toBe(9_240_000);
  });

  it('is additive: the cost of a merged usage equals the sum of the parts', () => {
    const tokens = fc.integer({ min: 0, max: 200_000 });
    fc.assert(
      fc.property(tokens, tokens, tokens, tokens, (inA, outA, inB, outB) => {
        const a = costOf({ input_tokens: inA, output_tokens: outA });
        const b = costOf({ input_tokens: inB, output_tokens: outB });
        const merged: CostEvent = {
          ...fromV2(aV2Event()),
          inputTokens: inA + inB,
          outputTokens: outA + outB,
        };
        const priced = priceEvent(merged, DEFAULT_PRICE_TABLE);
        return !priced.estimated && priced.costNano === a + b && Number.isSafeInteger(priced.costNano);
      }),
    );
  });
});
