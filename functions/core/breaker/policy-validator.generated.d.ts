import type { GeneratedValidator } from '../events/validators.generated';
import type { Policy } from './policy';

/** Validates a policy and fills in the schema's defaults, so a valid one is a whole `Policy`. */
export const validatePolicy: GeneratedValidator<Policy>;
