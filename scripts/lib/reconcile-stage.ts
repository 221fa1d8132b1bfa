import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchProviderMetrics } from '../../functions/adapters/cloudwatch/cloudwatch-provider-metrics';
import { DynamoDbBreakerStore } from '../../functions/adapters/dynamodb/dynamodb-breaker-store';
import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { SnsAlertPublisher } from '../../functions/adapters/sns/sns-alert-publisher';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import { DEFAULT_RECONCILE_CONFIG } from '../../functions/core/reconciliation/reconcile';
import {
  countedFromHourlyRows,
  createReconcile,
  type ReconcileOutcome,
} from '../../functions/core/reconciliation/reconcile-day';
import { startOfUtcDay } from '../../functions/core/time';
import { systemClock } from '../../functions/shared/clock';
import { openStage } from './stage';

export interface ReconcileOptions {
  stage?: string;
  driftShare?: number;
  minDriftTokens?: number;
}

/**
 * Reconciles a UTC day of a stage with the same use case as the hourly function. Locally it also raises
 * what drifts (ledger, alert to the alerts topic, a ReconciliationDrifts metric), since no schedule does
 * there; for a deployed stage it only reports, and the stage's hourly function raises.
 */
export const runReconcile = async (
  day: string,
  options: ReconcileOptions = {},
): Promise<ReconcileOutcome> => {
  startOfUtcDay(day);
  const stage = options.stage ?? 'local';
  const context = await openStage(stage);
  const { resources } = context;
  const spend = new DynamoDbSpendReader(context.dynamodb, resources.spendTable);
  const local = stage === 'local';
  const reconcile = createReconcile({
    counted: { hourly: async (d) => countedFromHourlyRows(await spend.hourly(d)) },
    provider: new CloudWatchProviderMetrics(context.cloudwatch()),
    ...(local && {
      raise: {
        ledger: new DynamoDbBreakerStore(context.dynamodb, resources.breakerTable, resources.ledgerTable),
        alerts: new SnsAlertPublisher(context.sns(), resources.alertsTopicArn),
      },
    }),
    stage,
    config: {
      driftShare: options.driftShare ?? DEFAULT_RECONCILE_CONFIG.driftShare,
      minDriftTokens: options.minDriftTokens ?? DEFAULT_RECONCILE_CONFIG.minDriftTokens,
      region: resources.region,
    },
    prices: DEFAULT_PRICE_TABLE,
    clock: systemClock,
  });
  const outcome = await reconcile(day);
  if (local && outcome.raised.length > 0) {
    await context.cloudwatch().send(
      new PutMetricDataCommand({
        Namespace: 'CostCircuitBreaker',
        MetricData: [
          { MetricName: 'ReconciliationDrifts', Value: outcome.raised.length, Unit: 'Count' },
          {
            MetricName: 'DarkSpendNanoUsd',
            Value: outcome.raised.reduce((sum, d) => sum + (d.dark_spend_nano ?? 0), 0),
            Unit: 'Count',
          },
        ],
      }),
    );
  }
  return outcome;
};
