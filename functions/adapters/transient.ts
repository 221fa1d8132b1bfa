import { TransientError } from '../core/breaker/errors';

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyUpdates',
  'Throttling',
  'ThrottledException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
]);

/**
 * SDK errors worth another attempt are rethrown as TransientError, the one name the state machines
 * retry on, so ASL need not list every service's throttling error. Anything else passes unchanged.
 */
export const asTransient = (error: unknown): unknown => {
  if (!(error instanceof Error)) return error;
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  const retryable = (error as { $retryable?: unknown }).$retryable !== undefined;
  if (THROTTLING.has(error.name) || retryable || (status !== undefined && status >= 500)) {
    return new TransientError(`${error.name}: ${error.message}`, { cause: error });
  }
  return error;
};

export const rethrowTransient = (error: unknown): never => {
  throw asTransient(error);
};
