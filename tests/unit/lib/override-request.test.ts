import { describe, expect, it } from '@jest/globals';
import {
  OverrideRejectedError,
  parseTtlMinutes,
  validOverrideRequest,
} from '../../../scripts/lib/override-request';

describe('ccb override', () => {
  it.each([
    ['30m', 30],
    ['2h', 120],
    ['1d', 1_440],
    ['45', 45],
    ['soon', 'soon'],
  ])('reads a TTL of %s as %s minutes', (ttl, minutes) => {
    expect(parseTtlMinutes(ttl)).toBe(minutes);
  });

  it('builds the request the state machine takes, flags typed', () => {
    expect(
      validOverrideRequest({
        set: ['degradation_active=false', 'model_tier_floor=haiku'],
        reason: 'verified false positive',
        ttl: '30m',
        requestedBy: 'alice',
        ticket: 'FIN-7',
      }),
    ).toEqual({
      flags: { degradation_active: false, model_tier_floor: 'haiku' },
      ttl_minutes: 30,
      reason: 'verified false positive',
      requested_by: 'alice',
      ticket: 'FIN-7',
    });
  });

  it('builds a clear request without flags or TTL', () => {
    expect(validOverrideRequest({ clear: true, reason: 'incident closed', requestedBy: 'alice' })).toEqual({
      action: 'clear',
      reason: 'incident closed',
      requested_by: 'alice',
    });
  });

  it('rejects a bad request with every field and its reason', () => {
    const rejected = (() => {
      try {
        validOverrideRequest({
          set: ['degradation_active=maybe', 'kill_all=true'],
          reason: 'x',
          ttl: '3d',
          requestedBy: 'bob smith',
        });
      } catch (error) {
        return error;
      }
    })();
    expect(rejected).toBeInstanceOf(OverrideRejectedError);
    expect((rejected as OverrideRejectedError).problems).toEqual(
      expect.arrayContaining([
        'kill_all: is not a known field',
        'flags.degradation_active: must be boolean',
        'reason: must NOT have fewer than 3 characters',
        'requested_by: must match pattern "^[A-Za-z0-9._@+-]{1,64}$"',
        'ttl_minutes: must be <= 1440',
      ]),
    );
  });

  it('rejects a request without flags or without a TTL', () => {
    expect(() => validOverrideRequest({ reason: 'why not', ttl: '5m', requestedBy: 'alice' })).toThrow(
      OverrideRejectedError,
    );
    expect(() =>
      validOverrideRequest({ set: ['suspend_scale_in=true'], reason: 'why not', requestedBy: 'alice' }),
    ).toThrow(/ttl_minutes: must have required property/);
  });
});
