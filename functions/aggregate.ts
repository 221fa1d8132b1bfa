import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { DynamoDbClaimsLog } from './adapters/dynamodb/dynamodb-claims-log';
import { DynamoDbQuarantineStore } from './adapters/dynamodb/dynamodb-quarantine-store';
import { DynamoDbRequestClaims } from './adapters/dynamodb/dynamodb-request-claims';
import { DynamoDbSpendStore } from './adapters/dynamodb/dynamodb-spend-store';
import type { PricedCostEvent } from './core/events/cost-event';
import { createIngestBatch, type IngestResult } from './core/ingest/ingest-batch';
import { documentClient } from './shared/aws-clients/dynamodb';
import { breakerEvaluator } from './shared/breaker-evaluator';
import { requireEnv } from './shared/config';
import { toStreamRecord } from './shared/kinesis-stream-record';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';
import { priceTableFromEnvironment } from './shared/pricing';
import { publishSpendByDimension } from './shared/spend-metrics';
import { attributionKeysOf, spendSourceOf } from './shared/spend-source';

const spendTable = requireEnv('SPEND_TABLE_NAME');
const source = spendSourceOf();
// Created once per container: the claims cache it holds is what saves a write per session per batch.
const ingestBatch = createIngestBatch({
  store: new DynamoDbSpendStore(documentClient(), spendTable),
  claimsLog: new DynamoDbClaimsLog(documentClient(), spendTable),
  quarantine: new DynamoDbQuarantineStore(documentClient(), requireEnv('QUARANTINE_TABLE_NAME')),
  prices: priceTableFromEnvironment(),
  source,
  ...(source === 'invocation-logs' && {
    requestClaims: new DynamoDbRequestClaims(documentClient(), spendTable),
    attributionKeys: attributionKeysOf(),
  }),
  onWriteError: (error, context) =>
    logger.error('write failed; the record will be retried', { error, ...context }),
});

const breaker = breakerEvaluator();

/**
 * The breaker's checks on what this batch counted, judged at its event time. A failure here never fails
 * the batch: its spend is written exactly once already, and the one-minute check catches up.
 */
const checkBreaker = async (
  counted: readonly PricedCostEvent[],
  sessions: IngestResult['sessions'],
): Promise<void> => {
  if (counted.length === 0) return;
  try {
    const evaluation = await breaker.afterBatch(counted, sessions);
    metrics.addMetric('BreakerTriggers', MetricUnit.Count, evaluation.triggers.length);
    metrics.addMetric('BreakerStartFailures', MetricUnit.Count, evaluation.failed.length);
    for (const { name, error } of evaluation.failed)
      logger.error('could not start a workflow', { name, error });
    if (evaluation.started.length > 0)
      logger.info('breaker workflows started', { started: evaluation.started });
  } catch (error) {
    metrics.addMetric('BreakerCheckFailures', MetricUnit.Count, 1);
    logger.error('breaker checks failed; the scheduled check will catch up', { error });
  }
};

const publishMetrics = (result: IngestResult, counted: readonly PricedCostEvent[]): void => {
  metrics.addMetric('RecordsReceived', MetricUnit.Count, result.records);
  metrics.addMetric('EventsCounted', MetricUnit.Count, result.counted);
  metrics.addMetric('DuplicatesIgnored', MetricUnit.Count, result.duplicates);
  metrics.addMetric('EventsSkipped', MetricUnit.Count, result.skipped);
  metrics.addMetric('SpendNanoUsd', MetricUnit.Count, result.costNano);
  const { spendItems, claimsLog, sessions, requestClaims } = result.writes;
  metrics.addMetric('DynamoDbWrites', MetricUnit.Count, spendItems + claimsLog + sessions + requestClaims);
  metrics.addMetric('ClaimsLogWrites', MetricUnit.Count, claimsLog);
  metrics.addMetric('SessionsPersisted', MetricUnit.Count, sessions);
  const quarantined = Object.values(result.quarantined).reduce((sum, n) => sum + n, 0);
  metrics.addMetric('EventsQuarantined', MetricUnit.Count, quarantined);
  publishSpendByDimension(metrics, counted);
  let estimatedNano = 0;
  let droppedFields = 0;
  for (const event of counted) {
    if (event.estimated) estimatedNano += event.costNano;
    droppedFields += event.droppedFields;
  }
  // Spend priced at a ceiling (a model or region the catalog lacks) and fields of a newer minor dropped.
  metrics.addMetric('EstimatedSpendNanoUsd', MetricUnit.Count, estimatedNano);
  metrics.addMetric('UnknownFieldsDropped', MetricUnit.Count, droppedFields);
};

/**
 * Kinesis -> claims log, hourly/daily/15-minute spend and the running cost of expensive sessions, then the
 * breaker's checks on what was counted. Reports
 * only the first unprocessed record: Lambda checkpoints before it and redelivers from there, and the
 * writes are idempotent per stream position, so nothing is lost or counted twice.
 */
const aggregate = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  const result = await ingestBatch(event.Records.map(toStreamRecord));
  const counted = result.countedEvents.map((c) => c.event);
  publishMetrics(result, counted);
  await checkBreaker(counted, result.sessions);
  const { countedEvents: _events, sessions, ...summary } = result;
  logger.info('batch folded', { ...summary, sessions: sessions.length });
  return {
    batchItemFailures:
      result.firstFailedSequenceNumber === undefined
        ? []
        : [{ itemIdentifier: result.firstFailedSequenceNumber }],
  };
};

export const handler = withPowertools(aggregate);
