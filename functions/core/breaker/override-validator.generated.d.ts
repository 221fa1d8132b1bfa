import type { GeneratedValidator } from '../events/validators.generated';
import type { OverrideRequest } from './override-request.v1.generated';

export const validateOverrideRequest: GeneratedValidator<OverrideRequest>;
