import { readJsonIfExists, writeJsonAtomic, writeQueue } from '../json-file';
import {
  AwsServiceError,
  decodeToken,
  dispatchJsonOperation,
  encodeToken,
  epochSeconds,
  type JsonOperation,
  optionalInteger,
  optionalString,
  requiredString,
} from './protocol';

/** Who every local PutParameter is attributed to in GetParameterHistory (CloudTrail's userIdentity on AWS). */
export const LOCAL_SSM_USER = 'arn:aws:iam::000000000000:user/local';

/** SSM keeps the last 100 versions of a parameter and deletes older ones as new ones are written. */
const MAX_VERSIONS = 100;
const MAX_VALUE_LENGTH = 4096;
const MAX_DESCRIPTION_LENGTH = 1024;
const PARAMETER_TYPES = new Set(['String', 'StringList', 'SecureString']);

export interface ParameterVersion {
  version: number;
  value: string;
  type: string;
  description?: string;
  lastModifiedDate: string;
  lastModifiedUser: string;
}

/** `<home>/aws/ssm.json`: every parameter with its retained versions, oldest first. */
export interface SsmFile {
  parameters: Record<string, { versions: ParameterVersion[] }>;
}

export interface SsmServiceOptions {
  file: string;
  region: string;
  accountId: string;
  now?: () => Date;
}

const notFound = (name: string) => new AwsServiceError('ParameterNotFound', `Parameter ${name} not found.`);

/**
 * SSM Parameter Store, the part the breaker and the flag client use: PutParameter, GetParameter(s),
 * GetParametersByPath and GetParameterHistory, answering in the shapes of the awsJson1_1 protocol.
 * Every write is on disk before it is acknowledged.
 */
export const createSsmService = async (options: SsmServiceOptions) => {
  const now = options.now ?? (() => new Date());
  const state: SsmFile = (await readJsonIfExists<SsmFile>(options.file)) ?? { parameters: {} };
  const writes = writeQueue();
  // Each write writes the state as it is when its turn comes, so the file never goes back in time.
  const save = (): Promise<void> => writes.run(() => writeJsonAtomic(options.file, state));

  const arnOf = (name: string) =>
    `arn:aws:ssm:${options.region}:${options.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;

  /** Accepts a name, an ARN, and a `name:version` selector. */
  const resolve = (reference: string): { name: string; version?: number } => {
    let name = reference;
    let version: number | undefined;
    const selector = /^(.*):(\d+)$/.exec(name);
    if (selector?.[1] !== undefined && !selector[1].startsWith('arn:') && selector[2] !== undefined) {
      name = selector[1];
      version = Number(selector[2]);
    }
    const arn = /^arn:aws:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(name);
    if (arn?.[1] !== undefined) name = state.parameters[arn[1]] !== undefined ? arn[1] : arn[1].slice(1);
    return version === undefined ? { name } : { name, version };
  };

  const find = (reference: string): { name: string; current: ParameterVersion } | undefined => {
    const { name, version } = resolve(reference);
    const versions = state.parameters[name]?.versions;
    const current = version === undefined ? versions?.at(-1) : versions?.find((v) => v.version === version);
    return current === undefined ? undefined : { name, current };
  };

  const describe = (name: string, current: ParameterVersion) => ({
    Name: name,
    Type: current.type,
    Value: current.value,
    Version: current.version,
    LastModifiedDate: epochSeconds(current.lastModifiedDate),
    ARN: arnOf(name),
    DataType: 'text',
  });

  const putParameter = async (body: Record<string, unknown>) => {
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
      throw new AwsServiceError(
        'ValidationException',
        `Type must be one of String, StringList, SecureString`,
      );
    const existing = state.parameters[name];
    const previous = existing?.versions.at(-1);
    if (previous !== undefined && body.Overwrite !== true)
      throw new AwsServiceError(
        'ParameterAlreadyExists',
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
      );
    const next: ParameterVersion = {
      version: (previous?.version ?? 0) + 1,
      value,
      type: type ?? previous?.type ?? 'String',
      // An overwrite without a description keeps the previous one, as SSM does.
      ...((description ?? previous?.description) !== undefined && {
        description: description ?? previous?.description,
      }),
      lastModifiedDate: now().toISOString(),
      lastModifiedUser: LOCAL_SSM_USER,
    };
    const versions = [...(existing?.versions ?? []), next].slice(-MAX_VERSIONS);
    state.parameters[name] = { versions };
    await save();
    return { Version: next.version, Tier: 'Standard' };
  };

  const getParameter = (body: Record<string, unknown>) => {
    const reference = requiredString(body, 'Name');
    const found = find(reference);
    if (found === undefined) throw notFound(reference);
    return { Parameter: describe(found.name, found.current) };
  };

  const getParameters = (body: Record<string, unknown>) => {
    const names = body.Names;
    if (
      !Array.isArray(names) ||
      names.length === 0 ||
      names.length > 10 ||
      names.some((n) => typeof n !== 'string')
    )
      throw new AwsServiceError('ValidationException', 'Names must hold 1 to 10 parameter names');
    const parameters = [];
    const invalid: string[] = [];
    for (const reference of new Set(names as string[])) {
      const found = find(reference);
      if (found === undefined) invalid.push(reference);
      else parameters.push(describe(found.name, found.current));
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  };

  const getParametersByPath = (body: Record<string, unknown>) => {
    const path = requiredString(body, 'Path');
    if (!path.startsWith('/'))
      throw new AwsServiceError(
        'ValidationException',
        'The parameter path must begin with a forward slash (/)',
      );
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const maxResults = optionalInteger(body, 'MaxResults', { min: 1, max: 10 }) ?? 10;
    const after = decodeToken(optionalString(body, 'NextToken'), 'ValidationException');
    const matches = Object.keys(state.parameters)
      .filter(
        (name) =>
          name.startsWith(prefix) && (body.Recursive === true || !name.slice(prefix.length).includes('/')),
      )
      .sort()
      .filter((name) => after === undefined || name > after);
    const page = matches.slice(0, maxResults);
    const parameters = page.flatMap((name) => {
      const current = state.parameters[name]?.versions.at(-1);
      return current === undefined ? [] : [describe(name, current)];
    });
    const last = page.at(-1);
    return {
      Parameters: parameters,
      ...(matches.length > page.length && last !== undefined && { NextToken: encodeToken(last) }),
    };
  };

  const getParameterHistory = (body: Record<string, unknown>) => {
    const reference = requiredString(body, 'Name');
    const { name } = resolve(reference);
    const versions = state.parameters[name]?.versions;
    if (versions === undefined) throw notFound(reference);
    const maxResults = optionalInteger(body, 'MaxResults', { min: 1, max: 50 }) ?? 50;
    const after = decodeToken(optionalString(body, 'NextToken'), 'ValidationException');
    const remaining = versions.filter((v) => after === undefined || v.version > Number(after));
    const page = remaining.slice(0, maxResults);
    const last = page.at(-1);
    return {
      Parameters: page.map((v) => ({
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
      })),
      ...(remaining.length > page.length &&
        last !== undefined && { NextToken: encodeToken(String(last.version)) }),
    };
  };

  const operations: Record<string, JsonOperation> = {
    PutParameter: putParameter,
    GetParameter: getParameter,
    GetParameters: getParameters,
    GetParametersByPath: getParametersByPath,
    GetParameterHistory: getParameterHistory,
  };

  return {
    /** Runs one operation; throws AwsServiceError for the client's mistakes. */
    handle: dispatchJsonOperation('SSM', operations),
    flush: writes.settled,
  };
};

export type SsmService = Awaited<ReturnType<typeof createSsmService>>;
