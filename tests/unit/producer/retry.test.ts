import fc from 'fast-check';
import { fullJitterDelay, isRetryableRecordError, isRetryableRequestError } from '../../../producer';

describe('fullJitterDelay', () => {
  it('draws uniformly below the capped exponential ceiling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (retry, draw) => {
          const policy = { baseDelayMs: 100, maxDelayMs: 5_000 };
          const delay = fullJitterDelay(retry, policy, () => draw);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(Math.min(5_000, 100 * 2 ** (retry - 1)));
        },
      ),
    );
  });
});

describe('retry classification', () => {
  it.each(['ProvisionedThroughputExceededException', 'InternalFailure', 'SomethingNew'])(
    'retries the per-record error %s',
    (code) => expect(isRetryableRecordError(code)).toBe(true),
  );

  it.each(['KMSAccessDeniedException', 'KMSNotFoundException', 'AccessDeniedException'])(
    'gives up on the per-record error %s',
    (code) => expect(isRetryableRecordError(code)).toBe(false),
  );

  it.each([
    [{ name: 'ResourceNotFoundException', $metadata: { httpStatusCode: 400 } }],
    [{ name: 'AccessDeniedException', $metadata: { httpStatusCode: 400 } }],
    [new TypeError('bug')],
    ['a string'],
  ])('does not retry the request error %p', (error) => expect(isRetryableRequestError(error)).toBe(false));

  it.each([
    [{ name: 'ProvisionedThroughputExceededException', $metadata: { httpStatusCode: 400 } }],
    [{ name: 'InternalFailureException', $metadata: { httpStatusCode: 500 } }],
    [{ name: 'TimeoutError' }],
    [{ name: 'Error', code: 'ECONNREFUSED' }],
  ])('retries the request error %p', (error) => expect(isRetryableRequestError(error)).toBe(true));
});
