import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { SsmFlagPublisher, SsmFlagSource } from './adapters/ssm/ssm-flag-publisher';
import { createReconcileFlags } from './core/breaker/reconcile-flags';
import { ssmClient } from './shared/aws-clients/ssm';
import { breakerStateReader } from './shared/breaker-store';
import { requireEnv } from './shared/config';
import { withPowertools } from './shared/middleware';
import { logger, metrics } from './shared/powertools';

const reconcileFlags = createReconcileFlags({
  store: breakerStateReader(),
  source: new SsmFlagSource(ssmClient()),
  publisher: new SsmFlagPublisher(ssmClient(), requireEnv('SSM_PREFIX')),
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
