import { type AttributionKeys, DEFAULT_ATTRIBUTION_KEYS } from '../core/events/invocation-log';
import { SPEND_SOURCES, type SpendSource } from '../core/ingest/split-batch';
import { requireEnv } from './config';

export class InvalidSpendSourceError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'InvalidSpendSourceError';
  }
}

/** SPEND_SOURCE: which source counts on this stage (serverless.yml's `spendSource` param). */
export const spendSourceOf = (env: NodeJS.ProcessEnv = process.env): SpendSource => {
  const value = requireEnv('SPEND_SOURCE', env);
  if (!(SPEND_SOURCES as readonly string[]).includes(value)) {
    throw new InvalidSpendSourceError(`SPEND_SOURCE ${value} is not one of ${SPEND_SOURCES.join(', ')}`);
  }
  return value as SpendSource;
};

/**
 * INVOCATION_METADATA_KEYS: `intent=<key>,session=<key>,component=<key>,language=<key>`, the
 * requestMetadata keys callers put their attribution in. Every one must be named: a silent default
 * would attribute a whole stage to `unattributed`.
 */
export const attributionKeysOf = (env: NodeJS.ProcessEnv = process.env): AttributionKeys => {
  const pairs = requireEnv('INVOCATION_METADATA_KEYS', env)
    .split(',')
    .map((pair) => pair.trim().split('='));
  const named = Object.fromEntries(pairs.map(([name = '', key = '']) => [name, key]));
  const keys = { ...DEFAULT_ATTRIBUTION_KEYS };
  for (const name of Object.keys(keys) as (keyof AttributionKeys)[]) {
    const key = named[name];
    if (key === undefined || key === '') {
      throw new InvalidSpendSourceError(`INVOCATION_METADATA_KEYS names no key for ${name}`);
    }
    keys[name] = key;
  }
  return keys;
};
