import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { breakerEvaluator } from './shared/breaker-evaluator';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';

const evaluator = breakerEvaluator();

/**
 * Every minute: today's spend against the ladder, the forecast and the velocity bound at the wall
 * clock. The aggregate runs the same checks after each batch; this catches quiet periods and any
 * execution a failed start missed (execution names make the repeat a no-op).
 */
export const handler = withPowertools(async () => {
  const evaluation = await evaluator.scheduled();
  metrics.addMetric('BreakerTriggers', MetricUnit.Count, evaluation.triggers.length);
  metrics.addMetric('BreakerStartFailures', MetricUnit.Count, evaluation.failed.length);
  for (const { name, error } of evaluation.failed)
    logger.error('could not start a workflow', { name, error });
  logger.info('scheduled check', {
    triggers: evaluation.triggers.map((t) => t.id),
    started: evaluation.started,
  });
  if (evaluation.failed.length > 0)
    throw new Error(`${evaluation.failed.length} workflow(s) could not be started`);
  return { triggers: evaluation.triggers.length, started: evaluation.started };
});
