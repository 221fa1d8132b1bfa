import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDbSpendReader } from './adapters/dynamodb/dynamodb-spend-reader';
import { SsmFlagPublisher, SsmFlagSource } from './adapters/ssm/ssm-flag-publisher';
import { severity } from './core/breaker/modes';
import { createReconcileFlags } from './core/breaker/reconcile-flags';
import { utcDay } from './core/time';
import { documentClient } from './shared/aws-clients';
import { breakerEvaluator } from './shared/breaker-evaluator';
import { breakerStateReader } from './shared/breaker-store';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, metrics, tracer } from './shared/powertools';
import { sdkOptions } from './shared/sdk-options';

const evaluator = breakerEvaluator();
const stateReader = breakerStateReader();
const spendReader = new DynamoDbSpendReader(documentClient, requireEnv('SPEND_TABLE_NAME'));
const ssm = tracer.captureAWSv3Client(new SSMClient(sdkOptions()));
const reconcileFlags = createReconcileFlags({
  store: stateReader,
  source: new SsmFlagSource(ssm),
  publisher: new SsmFlagPublisher(ssm, requireEnv('SSM_PREFIX')),
  prefix: requireEnv('SSM_PREFIX'),
});

/**
 * Gauges for CloudWatch, once a minute: the day's spend so far (the spend-threshold alarms compare it
 * with the budget) and the breaker mode. Never fails the check: a missing point only leaves a gap.
 */
const publishGauges = async (): Promise<void> => {
  try {
    const [state, today] = await Promise.all([stateReader.load(), spendReader.dayTotal(utcDay(Date.now()))]);
    // 0 normal, 1 cache_aggressive, 2 cost_saving, 3 emergency, 4 cap.
    metrics.addMetric('BreakerMode', MetricUnit.Count, severity(state.mode));
    metrics.addMetric('DailySpendNanoUsd', MetricUnit.Count, today.cost_nano);
  } catch (error) {
    logger.warn('could not read the gauges', { error });
  }
};

/**
 * Every minute: today's spend against the ladder, the forecast and the velocity bound at the wall
 * clock (the aggregate runs the same checks after each batch; this covers quiet periods and any
 * execution a failed start missed), and a republish of the flags if SSM drifted from the breaker state.
 */
export const handler = withPowertools(async () => {
  const evaluation = await evaluator.scheduled();
  const reconciliation = await reconcileFlags();
  metrics.addMetric('BreakerTriggers', MetricUnit.Count, evaluation.triggers.length);
  metrics.addMetric('BreakerStartFailures', MetricUnit.Count, evaluation.failed.length);
  metrics.addMetric('FlagsRepublished', MetricUnit.Count, reconciliation.republished ? 1 : 0);
  await publishGauges();
  for (const { name, error } of evaluation.failed)
    logger.error('could not start a workflow', { name, error });
  if (reconciliation.republished) logger.warn('flags republished', { ...reconciliation });
  logger.info('scheduled check', {
    triggers: evaluation.triggers.map((t) => t.id),
    started: evaluation.started,
  });
  if (evaluation.failed.length > 0)
    throw new Error(`${evaluation.failed.length} workflow(s) could not be started`);
  return {
    triggers: evaluation.triggers.length,
    started: evaluation.started,
    republished: reconciliation.republished,
  };
});
