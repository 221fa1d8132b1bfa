/** Exponential backoff with full jitter (a uniformly random wait up to the capped exponential). */
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The wait before retry number `retry` (1 for the first retry): a uniform draw in
 * [0, min(maxDelayMs, baseDelayMs * 2^(retry-1))). Full jitter spreads retries of many producers
 * that were throttled at the same moment instead of having them collide again.
 */
export const fullJitterDelay = (retry: number, policy: BackoffPolicy, random: () => number): number => {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * ceiling);
};

/**
 * Per-record error codes that retrying cannot fix. Kinesis documents only
 * ProvisionedThroughputExceededException and InternalFailure, both transient; anything not listed
 * here is retried, because giving up early loses spend the breaker should see.
 */
const PERMANENT_RECORD_ERRORS = new Set([
  'AccessDeniedException',
  'InvalidArgumentException',
  'KMSAccessDeniedException',
  'KMSDisabledException',
  'KMSInvalidStateException',
  'KMSNotFoundException',
  'KMSOptInRequired',
  'ResourceNotFoundException',
  'ValidationException',
]);

export const isRetryableRecordError = (errorCode: string): boolean => !PERMANENT_RECORD_ERRORS.has(errorCode);

/** Whole-request failures that a later attempt can succeed at. */
const TRANSIENT_REQUEST_ERRORS = new Set([
  'InternalFailure',
  'InternalFailureException',
  'KMSThrottlingException',
  'LimitExceededException',
  'ProvisionedThroughputExceededException',
  'RequestTimeout',
  'RequestTimeoutException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'Throttling',
  'ThrottlingException',
  'TimeoutError',
]);

/** Socket-level failures: the emulator restarting, a dropped keep-alive connection, a flaky network. */
const TRANSIENT_SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

interface ErrorShape {
  name?: unknown;
  code?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

const shapeOf = (error: unknown): ErrorShape => (typeof error === 'object' && error !== null ? error : {});

/** The machine-readable reason a request failed: the socket code, else the SDK exception name. */
export const requestErrorReason = (error: unknown): string => {
  const { name, code } = shapeOf(error);
  if (typeof code === 'string' && code.length > 0) return code;
  if (typeof name === 'string' && name.length > 0) return name;
  return 'UnknownError';
};

/**
 * Whether a PutRecords call that threw is worth retrying. Only known-transient failures are:
 * a client bug or a missing stream would otherwise burn every attempt for nothing.
 */
export const isRetryableRequestError = (error: unknown): boolean => {
  const shape = shapeOf(error);
  if (shape.$retryable !== undefined && shape.$retryable !== null) return true;
  const status = shape.$metadata?.httpStatusCode;
  if (typeof status === 'number' && (status >= 500 || status === 429)) return true;
  if (typeof shape.code === 'string' && TRANSIENT_SOCKET_ERRORS.has(shape.code)) return true;
  return typeof shape.name === 'string' && TRANSIENT_REQUEST_ERRORS.has(shape.name);
};
