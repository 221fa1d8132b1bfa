import { AwsServiceError, optionalString, requiredString } from '../protocol';
import type { ParameterStore, ParameterWrite } from './parameter-store';

const MAX_VALUE_LENGTH = 4096;
const MAX_DESCRIPTION_LENGTH = 1024;
const PARAMETER_TYPES = new Set(['String', 'StringList', 'SecureString']);

/** The request's name and write, checked as SSM checks a Standard tier parameter. */
const putRequest = (body: Record<string, unknown>): { name: string; write: ParameterWrite } => {
  const name = requiredString(body, 'Name');
  const value = optionalString(body, 'Value');
  if (value === undefined) throw new AwsServiceError('ValidationException', 'Value must not be null');
  if (name.includes('/') && !name.startsWith('/'))
    throw new AwsServiceError(
      'ValidationException',
      'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it must be fully qualified with a leading slash',
    );
  if (value.length > MAX_VALUE_LENGTH)
    throw new AwsServiceError(
      'ValidationException',
      `Standard tier parameters support a value of at most ${MAX_VALUE_LENGTH} characters`,
    );
  const description = optionalString(body, 'Description');
  if (description !== undefined && description.length > MAX_DESCRIPTION_LENGTH)
    throw new AwsServiceError(
      'ValidationException',
      `Description must be at most ${MAX_DESCRIPTION_LENGTH} characters`,
    );
  const type = optionalString(body, 'Type');
  if (type !== undefined && !PARAMETER_TYPES.has(type))
    throw new AwsServiceError('ValidationException', `Type must be one of String, StringList, SecureString`);
  return { name, write: { value, type, description } };
};

/** PutParameter: a new version, on disk before it is acknowledged; an existing one only with Overwrite. */
export const putParameter =
  (store: ParameterStore, save: () => Promise<void>) => async (body: Record<string, unknown>) => {
    const { name, write } = putRequest(body);
    if (store.latest(name) !== undefined && body.Overwrite !== true)
      throw new AwsServiceError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    const next = store.put(name, write);
    await save();
    return { Version: next.version, Tier: 'Standard' };
  };
