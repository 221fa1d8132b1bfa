import { expect } from '@jest/globals';
import type { CfnResource, CfnTemplate } from './packaged-service';

/** One statement of an IAM policy, a resource policy or a key policy. */
export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  Condition?: Record<string, unknown>;
}

export interface FoundStatement {
  holder: string;
  statement: Statement;
}

interface PolicyDocument {
  Statement: Statement | Statement[];
}

export const asArray = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

export const arnOf = (logicalId: string): { 'Fn::GetAtt': [string, string] } => ({
  'Fn::GetAtt': [logicalId, 'Arn'],
});

export const refOf = (logicalId: string): { Ref: string } => ({ Ref: logicalId });

/** A CloudFormation expression as a map key. */
export const key = (value: unknown): string => JSON.stringify(value);

export const resourcesOfType = (template: CfnTemplate, type: string): [string, CfnResource][] =>
  Object.entries(template.Resources).filter(([, resource]) => resource.Type === type);

export const resourceOf = (template: CfnTemplate, logicalId: string): CfnResource => {
  const resource = template.Resources[logicalId];
  expect({ logicalId, defined: resource !== undefined }).toEqual({ logicalId, defined: true });
  return resource ?? { Type: 'missing' };
};

export const propertiesOf = (template: CfnTemplate, logicalId: string): Record<string, unknown> =>
  resourceOf(template, logicalId).Properties ?? {};

/**
 * Every statement of every policy document in the template: inline role policies, policy resources
 * (bucket and topic policies, managed policies) and KMS key policies.
 */
export const policyStatements = (template: CfnTemplate): FoundStatement[] =>
  Object.entries(template.Resources).flatMap(([holder, resource]) => {
    const properties = resource.Properties ?? {};
    const documents = [
      ...asArray(properties.Policies as { PolicyDocument: PolicyDocument }[] | undefined).map(
        (policy) => policy.PolicyDocument,
      ),
      ...asArray(properties.PolicyDocument as PolicyDocument | undefined),
      ...asArray(properties.KeyPolicy as PolicyDocument | undefined),
    ];
    return documents.flatMap((document) =>
      asArray(document.Statement).map((statement) => ({ holder, statement })),
    );
  });

export const roleStatements = (template: CfnTemplate, roleId: string): Statement[] =>
  policyStatements(template)
    .filter(({ holder }) => holder === roleId)
    .map(({ statement }) => statement);

/**
 * What the Allow statements grant: resource (as its CloudFormation expression) -> sorted actions, for
 * every action outside the `except` services.
 */
export const grants = (statements: Statement[], except: string[] = []): Record<string, string[]> => {
  const byResource = new Map<string, Set<string>>();
  for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
    const actions = asArray(statement.Action).filter(
      (action) => !except.includes(action.split(':')[0] ?? ''),
    );
    if (actions.length === 0) continue;
    for (const resource of asArray(statement.Resource)) {
      const known = byResource.get(key(resource)) ?? new Set<string>();
      for (const action of actions) known.add(action);
      byResource.set(key(resource), known);
    }
  }
  return Object.fromEntries([...byResource].map(([resource, actions]) => [resource, [...actions].sort()]));
};

export const roleOfFunction = (template: CfnTemplate, functionId: string): string => {
  const role = propertiesOf(template, functionId).Role as { 'Fn::GetAtt'?: [string, string] } | undefined;
  const roleId = role?.['Fn::GetAtt']?.[0];
  expect({ functionId, roleId }).toEqual({ functionId, roleId: expect.any(String) });
  return roleId ?? '';
};

/** The logical id a `{ Ref }` or `{ Fn::GetAtt }` expression points at, if it is one. */
export const referencedId = (value: unknown): string | undefined => {
  if (typeof value !== 'object' || value === null) return undefined;
  const expression = value as { Ref?: unknown; 'Fn::GetAtt'?: unknown };
  if (typeof expression.Ref === 'string') return expression.Ref;
  const getAtt = expression['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
};

/** DESIGN section 11: bundled Lambda size per function, minified; the zip is smaller still. */
export const MAX_BUNDLE_BYTES = 500_000;

/** Actions with no resource-level permissions: the only ones a statement may grant on `Resource: '*'`. */
export const ACTIONS_WITHOUT_RESOURCE_ARNS = new Set([
  'cloudwatch:ListMetrics',
  'cloudwatch:GetMetricData',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'logs:PutResourcePolicy',
  'logs:DescribeResourcePolicies',
  'logs:DescribeLogGroups',
  // A Redshift Data API statement has no ARN; the baselines role limits these to its own statements.
  'redshift-data:DescribeStatement',
  'redshift-data:GetStatementResult',
  'redshift-data:CancelStatement',
]);
