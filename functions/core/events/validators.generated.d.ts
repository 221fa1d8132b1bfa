import type { ErrorObject } from 'ajv';
import type { CostEventV1 } from './cost-event.v1.generated';
import type { CostEventV2 } from './cost-event.v2.generated';

/**
 * A standalone ajv validator: whether the value matches the schema, and so is a `T` (the type generated
 * from the same schema), leaving the first error on `errors` when it does not.
 */
export interface GeneratedValidator<T> {
  (value: unknown): value is T;
  errors?: ErrorObject[] | null;
}

export const validateV1: GeneratedValidator<CostEventV1>;
export const validateV2: GeneratedValidator<CostEventV2>;

/** The v2 schema's property names and its occurred_at bounds, as the schema states them. */
export const V2_FIELDS: readonly string[];
export const OCCURRED_AT_RANGE: { minimum: number; maximum: number };
/** The v2 schema's label and identifier patterns and its component and language values. */
export const V2_PATTERNS: { label: string; identifier: string };
export const V2_ENUMS: { component: readonly string[]; language: readonly string[] };
