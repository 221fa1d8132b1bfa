import type { ErrorObject } from 'ajv';

/** A standalone ajv validator: returns whether the value is valid and leaves the first error on `errors`. */
export interface GeneratedValidator {
  (value: unknown): boolean;
  errors?: ErrorObject[] | null;
}

export const validateV1: GeneratedValidator;
export const validateV2: GeneratedValidator;
