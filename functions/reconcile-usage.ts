import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { CloudWatchProviderMetrics } from './adapters/cloudwatch/cloudwatch-provider-metrics';
import { DynamoDbBreakerStore } from './adapters/dynamodb/dynamodb-breaker-store';
import { DynamoDbSpendReader } from './adapters/dynamodb/dynamodb-spend-reader';
import { SnsAlertPublisher } from './adapters/sns/sns-alert-publisher';
import { groupBy } from './core/ingest/batch-model';
import { DEFAULT_PRICE_TABLE } from './core/pricing/price-table';
import { hoursToReconcile } from './core/reconciliation/reconcile';
import { countedFromHourlyRows, createReconcile } from './core/reconciliation/reconcile-day';
import { cloudWatchClient } from './shared/aws-clients/cloudwatch';
import { documentClient } from './shared/aws-clients/dynamodb';
import { snsClient } from './shared/aws-clients/sns';
import { systemClock } from './shared/clock';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';
import { reconcileConfigFromEnv } from './shared/reconcile-config';

const spend = new DynamoDbSpendReader(documentClient(), requireEnv('SPEND_TABLE_NAME'));
const reconcile = createReconcile({
  counted: { hourly: async (day) => countedFromHourlyRows(await spend.hourly(day)) },
  provider: new CloudWatchProviderMetrics(cloudWatchClient()),
  raise: {
    // Appends reconciliation entries only; the role has no access to the breaker state.
    ledger: new DynamoDbBreakerStore(documentClient(), 'no-state-access', requireEnv('LEDGER_TABLE_NAME')),
    alerts: new SnsAlertPublisher(snsClient(), requireEnv('ALERTS_TOPIC_ARN')),
  },
  stage: requireEnv('STAGE'),
  config: reconcileConfigFromEnv(),
  prices: DEFAULT_PRICE_TABLE,
  clock: systemClock,
});
const graceMs = Number(process.env.RECONCILE_GRACE_MINUTES ?? '20') * 60_000;

/**
 * Hourly: compares the last closed hours (after a grace for late data) per base model with Bedrock's
 * own CloudWatch token counts, and alerts each drifting model-hour once. A failure throws: the next
 * hour checks the hour again, and its alert still fires once.
 */
export const handler = withPowertools(async () => {
  let drifts = 0;
  let raised = 0;
  let darkSpendNano = 0;
  for (const [day, hours] of groupBy(hoursToReconcile(systemClock.now(), graceMs), (h) => h.day)) {
    const outcome = await reconcile(
      day,
      hours.map((h) => h.hour),
    );
    drifts += outcome.drifts.length;
    raised += outcome.raised.length;
    // Counted when first raised, so the hour checked twice adds its dark spend once.
    for (const drift of outcome.raised) darkSpendNano += drift.dark_spend_nano ?? 0;
    logger.info('reconciled', {
      day,
      hours: hours.map((h) => h.hour),
      rows: outcome.report.rows,
      raised: outcome.raised.length,
    });
  }
  metrics.addMetric('ReconciliationDrifts', MetricUnit.Count, raised);
  metrics.addMetric('DarkSpendNanoUsd', MetricUnit.Count, darkSpendNano);
  return { drifts, raised, dark_spend_nano: darkSpendNano };
});
