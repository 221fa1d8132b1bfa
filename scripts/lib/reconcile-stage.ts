import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchProviderMetrics } from '../../functions/adapters/cloudwatch/cloudwatch-provider-metrics';
import { DynamoDbBreakerStore } from '../../functions/adapters/dynamodb/dynamodb-breaker-store';
import { DynamoDbSpendReader } from '../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { SnsAlertPublisher } from '../../functions/adapters/sns/sns-alert-publisher';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';
import type { ProviderMetricsSource } from '../../functions/core/reconciliation/ports';
import { DEFAULT_RECONCILE_CONFIG, type ReconcileRow } from '../../functions/core/reconciliation/reconcile';
import {
  countedFromHourlyRows,
  createReconcile,
  type ReconcileDependencies,
  type ReconcileOutcome,
} from '../../functions/core/reconciliation/reconcile-day';
import { startOfUtcDay } from '../../functions/core/time';
import { systemClock } from '../../functions/shared/clock';
import { StandInMissingError } from './local-clients';
import { openStage, type StageContext } from './stage';

export interface ReconcileOptions {
  stage?: string;
  driftShare?: number;
  minDriftTokens?: number;
}

/**
 * Where the stage's provider metrics come from: CloudWatch's AWS/Bedrock namespace; none for a local
 * stack started before its CloudWatch stand-in existed.
 */
export const providerMetricsOf = (context: StageContext): ProviderMetricsSource | undefined => {
  try {
    return new CloudWatchProviderMetrics(context.cloudwatch());
  } catch (error) {
    if (error instanceof StandInMissingError) return undefined;
    throw error;
  }
};

/**
 * What the provider metered above the count of a model-hour, priced: set only for a dark-spend drift
 * with a price. `ccb reconcile` and the dashboard show the same figure.
 */
export const darkSpendOf = (outcome: ReconcileOutcome): ((row: ReconcileRow) => number | null) => {
  const drifts = new Map(outcome.drifts.map((d) => [`${d.hour}|${d.model}`, d]));
  return (row) => {
    const drift = drifts.get(`${row.hour}|${row.model}`);
    return drift?.direction === 'dark_spend' ? drift.dark_spend_nano : null;
  };
};

/** The use case's dependencies for a stage, without `raise`: what every run reads. */
const readDependencies = (
  context: StageContext,
  provider: ProviderMetricsSource,
  options: Omit<ReconcileOptions, 'stage'>,
): Omit<ReconcileDependencies, 'raise'> => {
  const spend = new DynamoDbSpendReader(context.dynamodb, context.resources.spendTable);
  return {
    counted: { hourly: async (d) => countedFromHourlyRows(await spend.hourly(d)) },
    provider,
    stage: context.stage,
    config: {
      driftShare: options.driftShare ?? DEFAULT_RECONCILE_CONFIG.driftShare,
      minDriftTokens: options.minDriftTokens ?? DEFAULT_RECONCILE_CONFIG.minDriftTokens,
      region: context.resources.region,
    },
    prices: DEFAULT_PRICE_TABLE,
    clock: systemClock,
  };
};

/**
 * The same reconciliation as `ccb reconcile`, read-only: nothing goes to the ledger, SNS or CloudWatch
 * (its `raised` is always empty), so a page may run it on every refresh. Undefined when the stage has
 * no provider metrics to compare with.
 */
export const readReconcile = async (
  context: StageContext,
  day: string,
  options: Omit<ReconcileOptions, 'stage'> = {},
): Promise<ReconcileOutcome | undefined> => {
  startOfUtcDay(day);
  const provider = providerMetricsOf(context);
  if (provider === undefined) return undefined;
  return createReconcile(readDependencies(context, provider, options))(day);
};

/**
 * Reconciles a UTC day of a stage with the same use case as the hourly function. Locally it also raises
 * what drifts (ledger, alert to the alerts topic, a ReconciliationDrifts metric), since no schedule does
 * there; for a deployed stage it only reports (readReconcile), and the stage's hourly function raises.
 */
export const runReconcile = async (
  day: string,
  options: ReconcileOptions = {},
): Promise<ReconcileOutcome> => {
  startOfUtcDay(day);
  const stage = options.stage ?? 'local';
  const context = await openStage(stage);
  // A local stack without the CloudWatch stand-in fails here with the stand-in's own message.
  const reads = readDependencies(context, new CloudWatchProviderMetrics(context.cloudwatch()), options);
  if (stage !== 'local') return createReconcile(reads)(day);
  const { resources } = context;
  const outcome = await createReconcile({
    ...reads,
    raise: {
      ledger: new DynamoDbBreakerStore(context.dynamodb, resources.breakerTable, resources.ledgerTable),
      alerts: new SnsAlertPublisher(context.sns(), resources.alertsTopicArn),
    },
  })(day);
  if (outcome.raised.length > 0) {
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
