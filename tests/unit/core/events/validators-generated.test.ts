import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import {
  INVOCATION_LOG_VALIDATOR_PATH,
  invocationLogValidatorSource,
  OVERRIDE_VALIDATOR_PATH,
  overrideValidatorSource,
  VALIDATORS_PATH,
  validatorSource,
} from '../../../../scripts/build/compile-validators';

describe('the generated validators', () => {
  it('match the schemas: run `npm run build:validators` after changing schemas/', () => {
    expect(readFileSync(VALIDATORS_PATH, 'utf8')).toBe(validatorSource());
    expect(readFileSync(OVERRIDE_VALIDATOR_PATH, 'utf8')).toBe(overrideValidatorSource());
    expect(readFileSync(INVOCATION_LOG_VALIDATOR_PATH, 'utf8')).toBe(invocationLogValidatorSource());
  });
});
