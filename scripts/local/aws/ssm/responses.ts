import { AwsServiceError, epochSeconds } from '../protocol';
import type { ParameterVersion } from './parameter-store';

export const notFound = (name: string) =>
  new AwsServiceError('ParameterNotFound', `Parameter ${name} not found.`);

/** A parameter as GetParameter, GetParameters and GetParametersByPath answer it. */
export const parameterDescriber =
  (region: string, accountId: string) => (name: string, current: ParameterVersion) => ({
    Name: name,
    Type: current.type,
    Value: current.value,
    Version: current.version,
    LastModifiedDate: epochSeconds(current.lastModifiedDate),
    ARN: `arn:aws:ssm:${region}:${accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`,
    DataType: 'text',
  });
export type Describe = ReturnType<typeof parameterDescriber>;

/** A version as GetParameterHistory lists it. */
export const historyEntry = (name: string, v: ParameterVersion) => ({
  Name: name,
  Type: v.type,
  Value: v.value,
  Version: v.version,
  LastModifiedDate: epochSeconds(v.lastModifiedDate),
  LastModifiedUser: v.lastModifiedUser,
  ...(v.description !== undefined && { Description: v.description }),
  Labels: [],
  Tier: 'Standard',
  Policies: [],
  DataType: 'text',
});
