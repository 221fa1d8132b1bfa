import { SsmFlagPublisher } from './adapters/ssm/ssm-flag-publisher';
import { createPublishFlags } from './core/breaker/publish-flags';
import { ssmClient } from './shared/aws-clients/ssm';
import { breakerStore } from './shared/breaker-store';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger } from './shared/powertools';

const publishFlags = createPublishFlags({
  store: breakerStore(),
  publisher: new SsmFlagPublisher(ssmClient(), requireEnv('SSM_PREFIX')),
});

/** Writes the state item's flags to SSM; idempotent, retried by the workflow on throttling. */
export const handler = withPowertools(async (input: { execution: string; reason: string }) => {
  const result = await publishFlags(input);
  logger.info('flags published', { execution: input.execution, ...result });
  return result;
});
