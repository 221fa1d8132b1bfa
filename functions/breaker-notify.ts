import { SnsAlertPublisher } from './adapters/sns/sns-alert-publisher';
import { createNotify, type NotifyInput } from './core/breaker/alerts';
import { snsClient } from './shared/aws-clients/sns';
import { policyFromEnv } from './shared/breaker-config';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger } from './shared/powertools';

const notify = createNotify({
  publisher: new SnsAlertPublisher(snsClient(), requireEnv('ALERTS_TOPIC_ARN')),
  stage: requireEnv('STAGE'),
  policy: policyFromEnv(),
});

/** Publishes the workflow's alert to FinOps. */
export const handler = withPowertools(async (input: NotifyInput) => {
  const result = await notify(input);
  logger.info('alert published', { alert_key: input.trigger.id, execution: input.execution, ...result });
  return result;
});
