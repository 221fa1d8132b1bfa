import { PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import { CloudWatchProviderMetrics } from '../../../functions/adapters/cloudwatch/cloudwatch-provider-metrics';
import { DynamoDbBreakerStore } from '../../../functions/adapters/dynamodb/dynamodb-breaker-store';
import { DynamoDbSpendReader } from '../../../functions/adapters/dynamodb/dynamodb-spend-reader';
import { SnsAlertPublisher } from '../../../functions/adapters/sns/sns-alert-publisher';
import { formatUsd } from '../../../functions/core/money';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import { DEFAULT_RECONCILE_CONFIG } from '../../../functions/core/reconciliation/reconcile';
import {
  countedFromHourlyRows,
  createReconcile,
  type ReconcileOutcome,
} from '../../../functions/core/reconciliation/reconcile-day';
import { startOfUtcDay } from '../../../functions/core/time';
import { systemClock } from '../../../functions/shared/clock';
import { openStage } from '../../lib/stage';
import { renderTable } from '../../lib/table';

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

export const renderReconcile = (outcome: ReconcileOutcome): string => {
  const { report, drifts } = outcome;
  if (report.rows.length === 0) return `Nothing counted or metered on ${report.day}.`;
  const darkOf = new Map(drifts.map((d) => [`${d.hour}|${d.model}`, d]));
  const table = renderTable(
    [
      'hour',
      'model',
      'counted in',
      'provider in',
      'counted out',
      'provider out',
      'drift',
      'status',
      'dark spend',
    ],
    report.rows.map((r) => {
      const drift = darkOf.get(`${r.hour}|${r.model}`);
      return [
        `${String(r.hour).padStart(2, '0')}:00`,
        r.model,
        r.counted_input_tokens,
        r.provider_input_tokens,
        r.counted_output_tokens,
        r.provider_output_tokens,
        `${r.drift_pct}%`,
        r.status,
        drift?.direction === 'dark_spend' && drift.dark_spend_nano !== null
          ? `$${formatUsd(drift.dark_spend_nano, 4)}`
          : '',
      ];
    }),
  );
  const drifting = report.rows.filter((r) => r.status === 'drift').length;
  return `Reconciliation of ${report.day} against AWS/Bedrock\n${table}\n${drifting} drifting model-hour(s); ${outcome.raised.length} raised now`;
};

const number = (value: string): number => {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${value}`);
  return n;
};

export const registerReconcile = (program: Command): void => {
  program
    .command('reconcile')
    .description("counted tokens per UTC hour and base model against Bedrock's own CloudWatch metrics")
    .requiredOption('--day <YYYY-MM-DD>', 'UTC day')
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--share <x>', 'drift share of the provider figure that alarms', number)
    .option('--min-tokens <n>', 'smallest difference in tokens that alarms', number)
    .option('--json', 'machine-readable output')
    .action(
      async (options: { day: string; stage: string; share?: number; minTokens?: number; json?: boolean }) => {
        const outcome = await runReconcile(options.day, {
          stage: options.stage,
          ...(options.share === undefined ? {} : { driftShare: options.share }),
          ...(options.minTokens === undefined ? {} : { minDriftTokens: options.minTokens }),
        });
        console.log(options.json ? JSON.stringify(outcome.report, null, 2) : renderReconcile(outcome));
      },
    );
};
