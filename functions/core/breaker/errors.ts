/** A failure worth retrying (throttling, a lost race that kept repeating); ASL retries on this name. */
export class TransientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransientError';
  }
}

/** A bad override request: never retried; the message lists each field and its reason. */
export class InvalidOverrideRequest extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('; '));
    this.name = 'InvalidOverrideRequest';
  }
}
