import { describe, expect, it } from '@jest/globals';
import { MissingConfigurationError } from '../../../functions/shared/config';
import {
  attributionKeysOf,
  InvalidSpendSourceError,
  spendSourceOf,
} from '../../../functions/shared/spend-source';

describe('spendSourceOf', () => {
  it.each(['producer', 'invocation-logs'])('reads %s', (source) => {
    expect(spendSourceOf({ SPEND_SOURCE: source })).toBe(source);
  });

  it('fails at cold start on a missing or unknown source', () => {
    expect(() => spendSourceOf({})).toThrow(MissingConfigurationError);
    expect(() => spendSourceOf({ SPEND_SOURCE: 'both' })).toThrow(InvalidSpendSourceError);
  });
});

describe('attributionKeysOf', () => {
  it('reads the requestMetadata key of every dimension', () => {
    expect(
      attributionKeysOf({
        INVOCATION_METADATA_KEYS: 'intent=ccb-intent, session=conversation,component=c,language=lang',
      }),
    ).toEqual({ intent: 'ccb-intent', session: 'conversation', component: 'c', language: 'lang' });
  });

  it('refuses a list that leaves a dimension without a key', () => {
    expect(() => attributionKeysOf({ INVOCATION_METADATA_KEYS: 'intent=intent,session=session_id' })).toThrow(
      'names no key for component',
    );
  });
});
