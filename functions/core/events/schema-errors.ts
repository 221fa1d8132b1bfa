import type { ErrorObject } from 'ajv';

/**
 * An ajv error in ajv's own words. The compiled validators carry no message texts (messages: false keeps
 * ~4 KB out of every bundle); these are the texts ajv 8 writes for the keywords our schemas use.
 */
export const schemaErrorMessage = (error: ErrorObject): string => {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `must have required property '${String(params.missingProperty)}'`;
    case 'additionalProperties':
      return 'must NOT have additional properties';
    case 'type':
      return `must be ${String(params.type)}`;
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}`;
    case 'minLength':
      return `must NOT have fewer than ${String(params.limit)} characters`;
    case 'maxLength':
      return `must NOT have more than ${String(params.limit)} characters`;
    case 'pattern':
      return `must match pattern "${String(params.pattern)}"`;
    case 'enum':
      return 'must be equal to one of the allowed values';
    case 'const':
      return 'must be equal to constant';
    default:
      return `must pass "${error.keyword}"`;
  }
};
