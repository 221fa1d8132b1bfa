import { BEDROCK_CATALOG } from '../core/pricing/catalog';
import { createPriceTable, type PriceTable, type PricingOptions } from '../core/pricing/price-table';

export class PricingConfigurationError extends Error {
  override name = 'PricingConfigurationError';
}

const CEILINGS: readonly PricingOptions['unknownModelCeiling'][] = ['family', 'catalog'];

const applicationProfiles = (text: string): Record<string, string> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new PricingConfigurationError(`APPLICATION_INFERENCE_PROFILES: not JSON (${String(cause)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new PricingConfigurationError(
      'APPLICATION_INFERENCE_PROFILES: must be an object of profile ARN or id -> model id',
    );
  for (const [profile, model] of Object.entries(parsed)) {
    if (typeof model !== 'string' || model.length === 0)
      throw new PricingConfigurationError(`APPLICATION_INFERENCE_PROFILES.${profile}: must be a model id`);
  }
  return parsed as Record<string, string>;
};

/**
 * The price table every pricing path of a process uses, from its configuration: how an unknown model
 * is bounded (`UNKNOWN_MODEL_CEILING`, `family` by default) and which model each application inference
 * profile was made from (`APPLICATION_INFERENCE_PROFILES`, JSON). A bad value fails at cold start.
 */
export const priceTableFromEnvironment = (env: NodeJS.ProcessEnv = process.env): PriceTable => {
  const ceiling = env.UNKNOWN_MODEL_CEILING?.trim() || 'family';
  const unknownModelCeiling = CEILINGS.find((c) => c === ceiling);
  if (unknownModelCeiling === undefined)
    throw new PricingConfigurationError(
      `UNKNOWN_MODEL_CEILING: must be one of ${CEILINGS.join(', ')}, got "${ceiling}"`,
    );
  return createPriceTable(BEDROCK_CATALOG, {
    unknownModelCeiling,
    applicationProfiles: applicationProfiles(env.APPLICATION_INFERENCE_PROFILES?.trim() || '{}'),
  });
};
