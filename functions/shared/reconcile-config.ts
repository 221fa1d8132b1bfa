import { DEFAULT_RECONCILE_CONFIG, type ReconcileConfig } from '../core/reconciliation/reconcile';
import { requireEnv } from './config';

const numberOf = (
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  valid: (n: number) => boolean,
): number => {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!valid(value)) throw new RangeError(`${name} is not valid: ${raw}`);
  return value;
};

/**
 * Reconciliation settings: RECONCILE_DRIFT_SHARE (default 0.05), RECONCILE_MIN_DRIFT_TOKENS (10,000)
 * and the region dark spend is priced in (AWS_REGION, where the provider's metrics are read).
 */
export const reconcileConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): ReconcileConfig => ({
  driftShare: numberOf(
    env,
    'RECONCILE_DRIFT_SHARE',
    DEFAULT_RECONCILE_CONFIG.driftShare,
    (n) => n > 0 && n < 1,
  ),
  minDriftTokens: numberOf(
    env,
    'RECONCILE_MIN_DRIFT_TOKENS',
    DEFAULT_RECONCILE_CONFIG.minDriftTokens,
    (n) => Number.isInteger(n) && n >= 0,
  ),
  region: requireEnv('AWS_REGION', env),
});
