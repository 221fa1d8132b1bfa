import { readJsonIfExists, writeJsonAtomic, writeQueue } from '../json-file';
import { AwsServiceError, escapeXml } from './protocol';
import type { QueryResult } from './sns';

/** `<home>/aws/iam.json`: the inline policies of each role, by policy name, as IAM keeps them. */
interface IamFile {
  roles: Record<string, Record<string, string>>;
}

export interface IamServiceOptions {
  file: string;
  /** The roles that exist: the stage's capEnforcementRoles. IAM answers NoSuchEntity for any other. */
  roles: readonly string[];
}

// IAM's limits (IAM API reference, PutRolePolicy; IAM quotas): names and the aggregate inline size.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const MAX_INLINE_POLICY_CHARS = 10_240;

const validation = (message: string) => new AwsServiceError('ValidationError', message);
const noSuchEntity = (message: string) => new AwsServiceError('NoSuchEntity', message, { status: 404 });

const required = (form: URLSearchParams, field: string, pattern: RegExp): string => {
  const value = form.get(field);
  if (value === null || value === '')
    throw validation(
      `1 validation error detected: Value null at '${field[0]?.toLowerCase()}${field.slice(1)}' failed to satisfy constraint: Member must not be null`,
    );
  if (!pattern.test(value))
    throw validation(`The specified value for ${field[0]?.toLowerCase()}${field.slice(1)} is invalid.`);
  return value;
};

/**
 * IAM, the part the cap uses (query protocol, API version 2010-05-08): PutRolePolicy, DeleteRolePolicy
 * and GetRolePolicy on the roles it is told exist, kept in one JSON file under the stack folder.
 */
export const createIamService = async (options: IamServiceOptions) => {
  const stored = (await readJsonIfExists<IamFile>(options.file))?.roles ?? {};
  const roles = new Map<string, Map<string, string>>(
    options.roles.map((role) => [role, new Map(Object.entries(stored[role] ?? {}))]),
  );
  const writes = writeQueue();
  const save = (): Promise<void> =>
    writes.run(() =>
      writeJsonAtomic(options.file, {
        roles: Object.fromEntries([...roles].map(([role, policies]) => [role, Object.fromEntries(policies)])),
      } satisfies IamFile),
    );

  const roleOf = (form: URLSearchParams) => {
    const name = required(form, 'RoleName', ROLE_NAME);
    const policies = roles.get(name);
    if (policies === undefined) throw noSuchEntity(`The role with name ${name} cannot be found.`);
    return { name, policies };
  };

  const putRolePolicy = async (form: URLSearchParams): Promise<QueryResult> => {
    const role = roleOf(form);
    const policyName = required(form, 'PolicyName', POLICY_NAME);
    const document = form.get('PolicyDocument') ?? '';
    let parsed: unknown;
    try {
      parsed = JSON.parse(document);
    } catch {
      throw new AwsServiceError('MalformedPolicyDocument', 'Syntax errors in policy.');
    }
    if (typeof parsed !== 'object' || parsed === null || !('Statement' in parsed))
      throw new AwsServiceError('MalformedPolicyDocument', 'Policy document should have a Statement.');
    const others = [...role.policies].filter(([name]) => name !== policyName);
    const size = others.reduce((sum, [, text]) => sum + text.replace(/\s/g, '').length, 0);
    if (size + document.replace(/\s/g, '').length > MAX_INLINE_POLICY_CHARS)
      throw new AwsServiceError(
        'LimitExceeded',
        `Maximum policy size of ${MAX_INLINE_POLICY_CHARS} bytes exceeded for role ${role.name}`,
        { status: 409 },
      );
    role.policies.set(policyName, document);
    await save();
    return { xml: '' };
  };

  const deleteRolePolicy = async (form: URLSearchParams): Promise<QueryResult> => {
    const role = roleOf(form);
    const policyName = required(form, 'PolicyName', POLICY_NAME);
    if (!role.policies.delete(policyName))
      throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    await save();
    return { xml: '' };
  };

  const getRolePolicy = (form: URLSearchParams): QueryResult => {
    const role = roleOf(form);
    const policyName = required(form, 'PolicyName', POLICY_NAME);
    const document = role.policies.get(policyName);
    if (document === undefined)
      throw noSuchEntity(`The role policy with name ${policyName} cannot be found.`);
    // IAM returns the document URL-encoded (RFC 3986).
    return {
      xml:
        `<RoleName>${escapeXml(role.name)}</RoleName><PolicyName>${escapeXml(policyName)}</PolicyName>` +
        `<PolicyDocument>${escapeXml(encodeURIComponent(document))}</PolicyDocument>`,
    };
  };

  const actions: Record<string, (form: URLSearchParams) => QueryResult | Promise<QueryResult>> = {
    PutRolePolicy: putRolePolicy,
    DeleteRolePolicy: deleteRolePolicy,
    GetRolePolicy: getRolePolicy,
  };

  return {
    handle: async (action: string, form: URLSearchParams): Promise<QueryResult> => {
      const run = actions[action];
      if (run === undefined)
        throw new AwsServiceError('InvalidAction', `the local IAM stand-in does not implement ${action}`);
      return run(form);
    },
    flush: () => writes.settled(),
  };
};

export type IamService = Awaited<ReturnType<typeof createIamService>>;
