import type { ModelInvocationLog } from './invocation-log';
import type { GeneratedValidator } from './validators.generated';

/** Bedrock's ModelInvocationLog 1.0, the fields the consumer reads (schemas/model-invocation-log.v1.json). */
export const validateInvocationLog: GeneratedValidator<ModelInvocationLog>;
