import type { Metrics } from '@aws-lambda-powertools/metrics';
import { describe, expect, it } from '@jest/globals';
import type { PricedCostEvent } from '../../../functions/core/events/cost-event';
import { emptyTally } from '../../../functions/core/ingest/batch-model';
import type { IngestResult } from '../../../functions/core/ingest/ingest-batch';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import {
  KNOWN_INTENTS,
  KNOWN_MODELS,
  publishIngestMetrics,
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

  it("publish a folded batch's counts, its writes and its spend priced at a ceiling", () => {
    // Prepare
    const counts = new Map<string, number>();
    const metrics = {
      addMetric: (name: string, _unit: string, value: number) => counts.set(name, value),
      singleMetric: () => ({ addDimension: () => undefined, addMetric: () => undefined }),
    } as unknown as Metrics;
    const anEvent = (costNano: number, estimated: boolean, droppedFields: number) =>
      ({ intent: 'faq', modelId: HAIKU, costNano, estimated, droppedFields }) as PricedCostEvent;
    const result: IngestResult = {
      summary: {
        records: 3,
        counted: 2,
        duplicates: 1,
        quarantined: { malformed_json: 1, unsupported_schema_version: 2 },
        skipped: 0,
        costNano: 30,
        sessions: 1,
        writes: {
          ...emptyTally(),
          spendItems: 5,
          claimsLog: 1,
          claimsLogReads: 1,
          sessions: 1,
          quarantine: 3,
        },
      },
      countedEvents: [anEvent(10, false, 0), anEvent(20, true, 2)],
      sessions: [],
    };

    // Act
    publishIngestMetrics(metrics, result);

    // Assess
    expect(Object.fromEntries(counts)).toEqual({
      RecordsReceived: 3,
      EventsCounted: 2,
      DuplicatesIgnored: 1,
      EventsSkipped: 0,
      SpendNanoUsd: 30,
      DynamoDbWrites: 7,
      ClaimsLogWrites: 1,
      SessionsPersisted: 1,
      EventsQuarantined: 3,
      EstimatedSpendNanoUsd: 20,
      UnknownFieldsDropped: 2,
    });
  });
});
