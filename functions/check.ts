import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { DynamoDbSpendReader } from './adapters/dynamodb/dynamodb-spend-reader';
import { severity } from './core/breaker/modes';
import { utcDay } from './core/time';
import { documentClient } from './shared/aws-clients/dynamodb';
import { breakerEvaluator } from './shared/breaker-evaluator';
import { reportEvaluation } from './shared/breaker-report';
import { breakerStateReader } from './shared/breaker-store';
import { systemClock } from './shared/clock';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';

const evaluator = breakerEvaluator();
const stateReader = breakerStateReader();
const spendReader = new DynamoDbSpendReader(documentClient(), requireEnv('SPEND_TABLE_NAME'));

/**
 * Gauges for CloudWatch, once a minute: the day's spend so far (the spend-threshold alarms compare it
 * with the budget) and the breaker mode. Never fails the check: a missing point only leaves a gap.
 */
const publishGauges = async (): Promise<void> => {
  try {
    const [state, today] = await Promise.all([
      stateReader.load(),
      spendReader.dayTotal(utcDay(systemClock.now())),
    ]);
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
 * execution a failed start missed). Republishing drifted flags is reconcile-flags.ts's job.
 */
export const handler = withPowertools(async () => {
  const evaluation = await evaluator.scheduled();
  reportEvaluation(evaluation);
  await publishGauges();
  logger.info('scheduled check', {
    triggers: evaluation.triggers.map((t) => t.id),
    started: evaluation.started,
  });
  if (evaluation.failed.length > 0)
    throw new Error(`${evaluation.failed.length} workflow(s) could not be started`);
  return {
    triggers: evaluation.triggers.length,
    started: evaluation.started,
  };
});
