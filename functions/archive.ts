import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { KinesisStreamBatchResponse, KinesisStreamEvent } from 'aws-lambda';
import { FirehoseArchiveSink } from './adapters/firehose/firehose-archive-sink';
import { createArchiveBatch } from './core/analytics/archive-batch';
import { firehoseClient } from './shared/aws-clients/firehose';
import { requireEnv } from './shared/config';
import { toBatchResponse, toStreamRecord } from './shared/kinesis-stream-record';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';
import { priceTableFromEnvironment } from './shared/pricing';
import { attributionKeysOf, spendSourceOf } from './shared/spend-source';

const archiveBatch = createArchiveBatch({
  sink: new FirehoseArchiveSink(firehoseClient(), requireEnv('ARCHIVE_DELIVERY_STREAM_NAME'), {
    onRetry: (detail) => logger.warn('Firehose rejected records; sending them again', { ...detail }),
  }),
  prices: priceTableFromEnvironment(),
  source: spendSourceOf(),
  ...(spendSourceOf() === 'invocation-logs' && { attributionKeys: attributionKeysOf() }),
});

/**
 * Kinesis -> Firehose: the archive's own consumer of the cost events stream, beside the aggregate, so
 * analytics never holds up the breaker. Valid events go to the archive normalized with their cost;
 * invalid ones are skipped (the aggregate quarantines them). When Firehose cannot take them, the batch
 * reports its first record not fully archived, and this function's own event source mapping retries
 * from there while the aggregate's mapping goes on.
 */
const archive = async (event: KinesisStreamEvent): Promise<KinesisStreamBatchResponse> => {
  const { failure, firstFailedSequenceNumber, ...result } = await archiveBatch(
    event.Records.map(toStreamRecord),
  );
  metrics.addMetric('ArchiveRecordsReceived', MetricUnit.Count, result.records);
  metrics.addMetric('EventsArchived', MetricUnit.Count, result.archived);
  metrics.addMetric('ArchiveEventsSkipped', MetricUnit.Count, result.skipped);
  metrics.addMetric('ArchiveRecordsRetried', MetricUnit.Count, result.retried);
  metrics.addMetric('ArchiveDeliveryFailures', MetricUnit.Count, failure === undefined ? 0 : 1);
  if (failure !== undefined) {
    logger.error('archive delivery failed; the batch will be retried from its first undelivered record', {
      ...result,
      firstFailedSequenceNumber,
      error: failure,
    });
  } else {
    logger.info('batch archived', { ...result });
  }
  return toBatchResponse(firstFailedSequenceNumber);
};

export const handler = withPowertools(archive);
