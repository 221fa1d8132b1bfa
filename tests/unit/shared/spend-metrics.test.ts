import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from '@jest/globals';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import {
  KNOWN_INTENTS,
  KNOWN_MODELS,
  publishSpendByDimension,
  spendByDimension,
} from '../../../functions/shared/spend-metrics';

const SONNET = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
const HAIKU = 'anthropic.claude-3-haiku-20240307-v1:0';

describe('the spend metrics', () => {
  it('sum a batch by intent and by model, the base model for an inference profile, zero spend left out', () => {
    const spend = spendByDimension([
      { intent: 'faq', modelId: HAIKU, costNano: 10 },
      { intent: 'faq', modelId: `us.${SONNET}`, costNano: 5 },
      { intent: 'recommendation', modelId: SONNET, costNano: 7 },
      { intent: 'chitchat', modelId: HAIKU, costNano: 0 },
    ]);

    expect(Object.fromEntries(spend.intent)).toEqual({ faq: 15, recommendation: 7 });
    expect(Object.fromEntries(spend.model)).toEqual({ [HAIKU]: 10, [SONNET]: 12 });
  });

  it('keep dimension values to closed sets: an unknown intent or model counts as other', () => {
    const spend = spendByDimension([
      { intent: 'a-new-intent', modelId: 'meta.llama3-70b', costNano: 3 },
      { intent: 'another', modelId: 'mistral.large', costNano: 4 },
    ]);

    expect(Object.fromEntries(spend.intent)).toEqual({ other: 7 });
    expect(Object.fromEntries(spend.model)).toEqual({ other: 7 });
    expect([KNOWN_INTENTS.size, KNOWN_MODELS.size]).toEqual([10, DEFAULT_PRICE_TABLE.catalog.models.length]);
  });

  it('emit one single metric per dimension value, SpendNanoUsd with that one dimension', () => {
    // Prepare
    const emitted: { dimension?: [string, string]; metric?: [string, number] }[] = [];
    const metrics = {
      singleMetric: () => {
        const line: (typeof emitted)[number] = {};
        emitted.push(line);
        return {
          addDimension: (name: string, value: string) => {
            line.dimension = [name, value];
          },
          addMetric: (name: string, _unit: string, value: number) => {
            line.metric = [name, value];
          },
        };
      },
    } as unknown as Metrics;

    // Act
    publishSpendByDimension(metrics, [{ intent: 'faq', modelId: HAIKU, costNano: 10 }]);

    // Assess
    expect(emitted).toEqual([
      { dimension: ['intent', 'faq'], metric: ['SpendNanoUsd', 10] },
      { dimension: ['model', HAIKU], metric: ['SpendNanoUsd', 10] },
    ]);
  });
});
