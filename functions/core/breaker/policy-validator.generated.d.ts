import type { GeneratedValidator } from '../events/validators.generated';

export const validatePolicy: GeneratedValidator;
