import baselines from '../../config/intent-conversation-baselines.json' with { type: 'json' };
import { type CheckConfig, defaultCheckConfig } from '../core/breaker/config';
import { usdToNano } from '../core/money';
import { requireEnv } from './config';

/** The checks' thresholds for this stage; the daily cap is required, so a function without it fails at start. */
export const checkConfigFromEnv = (env: NodeJS.ProcessEnv = process.env): CheckConfig => {
  const budget = Number(requireEnv('DAILY_BUDGET_USD', env));
  if (!Number.isFinite(budget) || budget <= 0)
    throw new RangeError(`DAILY_BUDGET_USD must be a positive number, got ${budget}`);
  return defaultCheckConfig(
    usdToNano(budget),
    Object.fromEntries(Object.entries(baselines.usd).map(([intent, usd]) => [intent, usdToNano(usd)])),
  );
};
