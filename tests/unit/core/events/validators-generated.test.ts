import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  INVOCATION_LOG_VALIDATOR_PATH,
  invocationLogValidatorSource,
  OVERRIDE_VALIDATOR_PATH,
  overrideValidatorSource,
  POLICY_VALIDATOR_PATH,
  policyValidatorSource,
  VALIDATORS_PATH,
  validatorSource,
} from '../../../../scripts/build/compile-validators';
import { outputPath, SCHEMA_TYPES, schemaTypesSource } from '../../../../scripts/build/schema-types';

describe('the generated validators', () => {
  it('match the schemas: run `npm run build:validators` after changing schemas/', () => {
    expect(readFileSync(VALIDATORS_PATH, 'utf8')).toBe(validatorSource());
    expect(readFileSync(OVERRIDE_VALIDATOR_PATH, 'utf8')).toBe(overrideValidatorSource());
    expect(readFileSync(POLICY_VALIDATOR_PATH, 'utf8')).toBe(policyValidatorSource());
    expect(readFileSync(INVOCATION_LOG_VALIDATOR_PATH, 'utf8')).toBe(invocationLogValidatorSource());
  });
});

describe.each(SCHEMA_TYPES)('the types generated from $schemaFile', (entry) => {
  it(`match the schema (${entry.outputFile}): run \`npm run build:validators\` after changing schemas/`, async () => {
    expect(readFileSync(outputPath(entry), 'utf8')).toBe(await schemaTypesSource(entry));
  });
});
