import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmFlagPublisher } from './adapters/ssm/ssm-flag-publisher';
import { createPublishFlags } from './core/breaker/publish-flags';
import { breakerStore } from './shared/breaker-store';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, tracer } from './shared/powertools';
import { sdkOptions } from './shared/sdk-options';

const publishFlags = createPublishFlags({
  store: breakerStore(),
  publisher: new SsmFlagPublisher(
    tracer.captureAWSv3Client(new SSMClient(sdkOptions())),
    requireEnv('SSM_PREFIX'),
  ),
});

/** Writes the state item's flags to SSM; idempotent, retried by the workflow on throttling. */
export const handler = withPowertools(async (input: { execution: string; reason: string }) => {
  const result = await publishFlags(input);
  logger.info('flags published', { execution: input.execution, ...result });
  return result;
});
