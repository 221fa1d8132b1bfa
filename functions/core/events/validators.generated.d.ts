import type { ErrorObject } from 'ajv';

/** A standalone ajv validator: returns whether the value is valid and leaves the first error on `errors`. */
export interface GeneratedValidator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export const validateV1: GeneratedValidator;
export const validateV2: GeneratedValidator;
/** Bedrock's ModelInvocationLog 1.0, the fields the consumer reads (schemas/model-invocation-log.v1.json). */
export const validateInvocationLog: GeneratedValidator;
