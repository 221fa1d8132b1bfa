import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbBaselineStore } from './adapters/dynamodb/dynamodb-baseline-store';
import { createRefreshBaselines } from './core/analytics/baselines';
import { documentClient } from './shared/aws-clients/dynamodb';
import { systemClock } from './shared/clock';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';
import { redshiftWarehouse } from './shared/warehouse';

const refreshBaselines = createRefreshBaselines({
  // The function times out at 300 s; a statement still running at 240 s is cancelled and reported.
  warehouse: redshiftWarehouse({ timeoutMs: 240_000 }),
  store: new DynamoDbBaselineStore(documentClient(), requireEnv('SPEND_TABLE_NAME')),
  clock: systemClock,
});

/**
 * Every hour: the same-hour-of-day average 15-minute spend over the trailing 7 and 28 days, from the
 * warehouse, into the spend table where the velocity check reads it. A failure throws (the schedule
 * retries, an alarm fires) and the check keeps using its DynamoDB fallback meanwhile.
 */
export const handler = withPowertools(async () => {
  const result = await refreshBaselines();
  metrics.addMetric('BaselineDays7d', MetricUnit.Count, result.days_7d);
  metrics.addMetric('BaselineDays28d', MetricUnit.Count, result.days_28d);
  logger.info('baselines refreshed', { ...result });
  return result;
});
