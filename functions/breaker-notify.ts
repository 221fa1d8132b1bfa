import { SNSClient } from '@aws-sdk/client-sns';
import { SnsAlertPublisher } from './adapters/sns/sns-alert-publisher';
import { createNotify, type NotifyInput } from './core/breaker/alerts';
import { policyFromEnv } from './shared/breaker-config';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, tracer } from './shared/powertools';
import { sdkOptions } from './shared/sdk-options';

const notify = createNotify({
  publisher: new SnsAlertPublisher(
    tracer.captureAWSv3Client(new SNSClient(sdkOptions())),
    requireEnv('ALERTS_TOPIC_ARN'),
  ),
  stage: requireEnv('STAGE'),
  policy: policyFromEnv(),
});

/** Publishes the workflow's alert to FinOps. */
export const handler = withPowertools(async (input: NotifyInput) => {
  const result = await notify(input);
  logger.info('alert published', { alert_key: input.trigger.id, execution: input.execution, ...result });
  return result;
});
