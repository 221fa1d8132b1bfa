import {
  AwsServiceError,
  decodeToken,
  encodeToken,
  type JsonOperation,
  optionalInteger,
  optionalString,
  requiredString,
} from '../protocol';
import type { ParameterStore } from './parameter-store';
import { putParameter } from './put-parameter';
import { type Describe, historyEntry, notFound, parameterDescriber } from './responses';

const getParameter =
  (store: ParameterStore, describe: Describe): JsonOperation =>
  (body) => {
    const reference = requiredString(body, 'Name');
    const found = store.find(reference);
    if (found === undefined) throw notFound(reference);
    return { Parameter: describe(found.name, found.current) };
  };

const getParameters =
  (store: ParameterStore, describe: Describe): JsonOperation =>
  (body) => {
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
      const found = store.find(reference);
      if (found === undefined) invalid.push(reference);
      else parameters.push(describe(found.name, found.current));
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  };

const getParametersByPath =
  (store: ParameterStore, describe: Describe): JsonOperation =>
  (body) => {
    const path = requiredString(body, 'Path');
    if (!path.startsWith('/'))
      throw new AwsServiceError(
        'ValidationException',
        'The parameter path must begin with a forward slash (/)',
      );
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const maxResults = optionalInteger(body, 'MaxResults', { min: 1, max: 10 }) ?? 10;
    const after = decodeToken(optionalString(body, 'NextToken'), 'ValidationException');
    const matches = store
      .names()
      .filter(
        (name) =>
          name.startsWith(prefix) && (body.Recursive === true || !name.slice(prefix.length).includes('/')),
      )
      .sort()
      .filter((name) => after === undefined || name > after);
    const page = matches.slice(0, maxResults);
    const parameters = page.flatMap((name) => {
      const current = store.latest(name);
      return current === undefined ? [] : [describe(name, current)];
    });
    const last = page.at(-1);
    return {
      Parameters: parameters,
      ...(matches.length > page.length && last !== undefined && { NextToken: encodeToken(last) }),
    };
  };

const getParameterHistory =
  (store: ParameterStore): JsonOperation =>
  (body) => {
    const reference = requiredString(body, 'Name');
    const { name } = store.resolve(reference);
    const versions = store.versions(name);
    if (versions === undefined) throw notFound(reference);
    const maxResults = optionalInteger(body, 'MaxResults', { min: 1, max: 50 }) ?? 50;
    const after = decodeToken(optionalString(body, 'NextToken'), 'ValidationException');
    const remaining = versions.filter((v) => after === undefined || v.version > Number(after));
    const page = remaining.slice(0, maxResults);
    const last = page.at(-1);
    return {
      Parameters: page.map((v) => historyEntry(name, v)),
      ...(remaining.length > page.length &&
        last !== undefined && { NextToken: encodeToken(String(last.version)) }),
    };
  };

/**
 * The SSM API actions the stand-in answers, in the shapes of the awsJson1_1 protocol: PutParameter,
 * GetParameter(s), GetParametersByPath and GetParameterHistory.
 */
export const ssmOperations = (deps: {
  store: ParameterStore;
  save: () => Promise<void>;
  region: string;
  accountId: string;
}): Record<string, JsonOperation> => {
  const describe = parameterDescriber(deps.region, deps.accountId);
  return {
    PutParameter: putParameter(deps.store, deps.save),
    GetParameter: getParameter(deps.store, describe),
    GetParameters: getParameters(deps.store, describe),
    GetParametersByPath: getParametersByPath(deps.store, describe),
    GetParameterHistory: getParameterHistory(deps.store),
  };
};
