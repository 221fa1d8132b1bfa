import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import intentBaselines from '../../config/intent-conversation-baselines.json' with { type: 'json' };
import type { PricedCostEvent } from '../core/events/cost-event';
import type { IngestResult } from '../core/ingest/ingest-batch';
import { canonicalModelId, DEFAULT_PRICE_TABLE } from '../core/pricing/price-table';

/**
 * Dimension values are closed sets, so CloudWatch keeps a bounded number of metrics (each distinct
 * dimension value is a metric billed per month): the chatbot's intents and the price table's models;
 * anything else, which the schema would let through, is counted as `other`.
 */
export const KNOWN_INTENTS: ReadonlySet<string> = new Set(Object.keys(intentBaselines.usd));
export const KNOWN_MODELS: ReadonlySet<string> = new Set(DEFAULT_PRICE_TABLE.catalog.models.map((m) => m.id));
export const OTHER = 'other';

const bounded = (value: string, known: ReadonlySet<string>): string => (known.has(value) ? value : OTHER);

/** A batch's spend by intent and by model, nano-dollars, with bounded keys; zero spend is left out. */
export const spendByDimension = (
  events: readonly Pick<PricedCostEvent, 'intent' | 'modelId' | 'costNano'>[],
): { intent: Map<string, number>; model: Map<string, number> } => {
  const intent = new Map<string, number>();
  const model = new Map<string, number>();
  for (const event of events) {
    if (event.costNano === 0) continue;
    const i = bounded(event.intent, KNOWN_INTENTS);
    const m = bounded(canonicalModelId(event.modelId), KNOWN_MODELS);
    intent.set(i, (intent.get(i) ?? 0) + event.costNano);
    model.set(m, (model.get(m) ?? 0) + event.costNano);
  }
  return { intent, model };
};

/**
 * `SpendNanoUsd` by `intent` and by `model` (two dimension sets, each on its own EMF line through
 * singleMetric, since one Powertools metric set shares one set of dimensions).
 */
export const publishSpendByDimension = (
  metrics: Metrics,
  events: readonly Pick<PricedCostEvent, 'intent' | 'modelId' | 'costNano'>[],
): void => {
  const spend = spendByDimension(events);
  for (const [dimension, byValue] of Object.entries(spend)) {
    for (const [value, nano] of byValue) {
      const single = metrics.singleMetric();
      single.addDimension(dimension, value);
      single.addMetric('SpendNanoUsd', MetricUnit.Count, nano);
    }
  }
};

/**
 * A folded batch's metrics: its counts, its spend by intent and by model, and the spend priced at a
 * ceiling (a model or region the catalog lacks) with the fields of a newer minor that were dropped.
 */
export const publishIngestMetrics = (metrics: Metrics, result: IngestResult): void => {
  const { summary, countedEvents } = result;
  metrics.addMetric('RecordsReceived', MetricUnit.Count, summary.records);
  metrics.addMetric('EventsCounted', MetricUnit.Count, summary.counted);
  metrics.addMetric('DuplicatesIgnored', MetricUnit.Count, summary.duplicates);
  metrics.addMetric('EventsSkipped', MetricUnit.Count, summary.skipped);
  metrics.addMetric('SpendNanoUsd', MetricUnit.Count, summary.costNano);
  const { spendItems, claimsLog, sessions, requestClaims } = summary.writes;
  metrics.addMetric('DynamoDbWrites', MetricUnit.Count, spendItems + claimsLog + sessions + requestClaims);
  metrics.addMetric('ClaimsLogWrites', MetricUnit.Count, claimsLog);
  metrics.addMetric('SessionsPersisted', MetricUnit.Count, sessions);
  const quarantined = Object.values(summary.quarantined).reduce((sum, n) => sum + n, 0);
  metrics.addMetric('EventsQuarantined', MetricUnit.Count, quarantined);
  publishSpendByDimension(metrics, countedEvents);
  let estimatedNano = 0;
  let droppedFields = 0;
  for (const event of countedEvents) {
    if (event.estimated) estimatedNano += event.costNano;
    droppedFields += event.droppedFields;
  }
  metrics.addMetric('EstimatedSpendNanoUsd', MetricUnit.Count, estimatedNano);
  metrics.addMetric('UnknownFieldsDropped', MetricUnit.Count, droppedFields);
};
