import type { GeneratedValidator } from '../events/validators.generated';

export const validateOverrideRequest: GeneratedValidator;
