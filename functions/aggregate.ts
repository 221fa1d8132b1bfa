import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { DynamoDbClaimsLog } from './adapters/dynamodb/dynamodb-claims-log';
import { DynamoDbQuarantineStore } from './adapters/dynamodb/dynamodb-quarantine-store';
import { DynamoDbRequestClaims } from './adapters/dynamodb/dynamodb-request-claims';
import { DynamoDbSpendStore } from './adapters/dynamodb/dynamodb-spend-store';
import { createIngestBatch, type IngestResult } from './core/ingest/ingest-batch';
import { documentClient } from './shared/aws-clients/dynamodb';
import { breakerEvaluator } from './shared/breaker-evaluator';
import { reportEvaluation } from './shared/breaker-report';
import { requireEnv } from './shared/config';
import { toBatchResponse, toStreamRecord } from './shared/kinesis-stream-record';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';
import { priceTableFromEnvironment } from './shared/pricing';
import { publishIngestMetrics } from './shared/spend-metrics';
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
const checkBreaker = async ({ countedEvents, sessions }: IngestResult): Promise<void> => {
  if (countedEvents.length === 0) return;
  try {
    const evaluation = await breaker.afterBatch(countedEvents, sessions);
    reportEvaluation(evaluation);
    if (evaluation.started.length > 0)
      logger.info('breaker workflows started', { started: evaluation.started });
  } catch (error) {
    metrics.addMetric('BreakerCheckFailures', MetricUnit.Count, 1);
    logger.error('breaker checks failed; the scheduled check will catch up', { error });
  }
};

/**
 * Kinesis -> claims log, hourly/daily/15-minute spend and the running cost of expensive sessions, then the
 * breaker's checks on what was counted. Reports only the first unprocessed record: the writes are
 * idempotent per stream position, so nothing is lost or counted twice when the stream resumes there.
 */
const aggregate = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  const result = await ingestBatch(event.Records.map(toStreamRecord));
  publishIngestMetrics(metrics, result);
  await checkBreaker(result);
  logger.info('batch folded', {
    ...result.summary,
    firstFailedSequenceNumber: result.firstFailedSequenceNumber,
  });
  return toBatchResponse(result.firstFailedSequenceNumber);
};

export const handler = withPowertools(aggregate);
