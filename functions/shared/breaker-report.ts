import { MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Evaluation } from '../core/breaker/evaluate';
import { logger, metrics } from './powertools';

/**
 * What every run of the breaker's checks reports, after a batch (the aggregate) or on the schedule (the
 * check): the triggers found and the workflows that could not be started, as metrics, and an error line
 * per failed start.
 */
export const reportEvaluation = (evaluation: Evaluation): void => {
  metrics.addMetric('BreakerTriggers', MetricUnit.Count, evaluation.triggers.length);
  metrics.addMetric('BreakerStartFailures', MetricUnit.Count, evaluation.failed.length);
  for (const { name, error } of evaluation.failed)
    logger.error('could not start a workflow', { name, error });
};
