import type { CheckConfig } from '../../functions/core/breaker/config';
import { checkConfigFromPolicy, defaultPolicy } from '../../functions/core/breaker/policy';

/** The checks of the default policy (schemas/policy.v1.json's defaults) for a cap in nano-dollars. */
export const defaultCheckConfig = (
  capNano: number,
  intentConversationNano: Readonly<Record<string, number>>,
): CheckConfig => ({
  ...checkConfigFromPolicy(defaultPolicy(capNano / 1e9), intentConversationNano),
  capNano,
});
