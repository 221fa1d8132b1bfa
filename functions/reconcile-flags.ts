import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SSMClient } from '@aws-sdk/client-ssm';
import { SsmFlagPublisher, SsmFlagSource } from './adapters/ssm/ssm-flag-publisher';
import { createReconcileFlags } from './core/breaker/reconcile-flags';
import { breakerStateReader } from './shared/breaker-store';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, metrics, tracer } from './shared/powertools';
import { sdkOptions } from './shared/sdk-options';

const ssm = tracer.captureAWSv3Client(new SSMClient(sdkOptions()));
const reconcileFlags = createReconcileFlags({
  store: breakerStateReader(),
  source: new SsmFlagSource(ssm),
  publisher: new SsmFlagPublisher(ssm, requireEnv('SSM_PREFIX')),
  prefix: requireEnv('SSM_PREFIX'),
});

/**
 * Every minute: republishes the flags when SSM drifted from the breaker state, the repair after a
 * workflow ended in FlagsNotPublished (or a hand edit). Its own function, apart from the check, so each
 * bundle carries one SDK client less and stays well under the 500 KB floor.
 */
export const handler = withPowertools(async () => {
  const reconciliation = await reconcileFlags();
  metrics.addMetric('FlagsRepublished', MetricUnit.Count, reconciliation.republished ? 1 : 0);
  if (reconciliation.republished) logger.warn('flags republished', { ...reconciliation });
  return reconciliation;
});
