import { execFile } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { arnOf, asArray, key, propertiesOf, resourcesOfType, roleOfFunction, roleStatements } from './cfn';
import { type CfnTemplate, packagedService, REPO_ROOT, STAGE } from './packaged-service';

const LOG_GROUP = '/aws/bedrock/modelinvocations';
const INVOCATION_LOGS_DIR = join(REPO_ROOT, '.serverless-invocation-logs');

/** `npm run package` with the stage asking for invocation logs, into a folder of its own. */
const packageForInvocationLogs = async (): Promise<CfnTemplate> => {
  const workFolder = join('.esbuild', `spend-source-test-${process.pid}`);
  try {
    await promisify(execFile)(
      process.execPath,
      [
        join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'),
        'package',
        '--stage',
        STAGE,
        '--param=spendSource=invocation-logs',
        `--param=invocationLogGroup=${LOG_GROUP}`,
        '--package',
        INVOCATION_LOGS_DIR,
      ],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CCB_ESBUILD_WORK_FOLDER: workFolder },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
    return JSON.parse(
      await readFile(join(INVOCATION_LOGS_DIR, 'cloudformation-template-update-stack.json'), 'utf8'),
    ) as CfnTemplate;
  } finally {
    await rm(join(REPO_ROOT, workFolder), { recursive: true, force: true });
  }
};

/** A condition of the packaged template, as CloudFormation would evaluate it (Fn::Equals of literals only). */
const conditionHolds = (template: CfnTemplate, name: string): boolean => {
  const condition = template.Conditions?.[name] as { 'Fn::Equals'?: [unknown, unknown] } | undefined;
  const operands = condition?.['Fn::Equals'];
  if (operands === undefined || typeof operands[0] !== 'string' || typeof operands[1] !== 'string')
    throw new Error(`condition ${name} is not an Fn::Equals of two strings: ${JSON.stringify(condition)}`);
  return operands[0] === operands[1];
};

const SUBSCRIPTION_RESOURCES = ['InvocationLogsSubscriptionFilter', 'InvocationLogsSubscriptionRole'];

describe('given the spend source of a stage', () => {
  let producer: CfnTemplate;
  let invocationLogs: CfnTemplate;

  beforeAll(async () => {
    // One after the other: each packaging bundles every function, and the machine has two cores.
    producer = (await packagedService()).template;
    invocationLogs = await packageForInvocationLogs();
  }, 600_000);

  it('then by default (producer) the functions read producer events and no subscription or request claim is deployed', () => {
    expect(propertiesOf(producer, 'AggregateLambdaFunction')).toMatchObject({
      Environment: { Variables: { SPEND_SOURCE: 'producer' } },
    });
    expect(conditionHolds(producer, 'InvocationLogsSource')).toBe(false);
    for (const id of SUBSCRIPTION_RESOURCES)
      expect([id, producer.Resources[id]?.Condition]).toEqual([id, 'InvocationLogsSource']);
  });

  it('then with spendSource=invocation-logs the aggregate and the archive read invocation logs', () => {
    expect(conditionHolds(invocationLogs, 'InvocationLogsSource')).toBe(true);
    for (const fn of ['AggregateLambdaFunction', 'ArchiveLambdaFunction']) {
      expect([fn, propertiesOf(invocationLogs, fn)]).toMatchObject([
        fn,
        {
          Environment: {
            Variables: {
              SPEND_SOURCE: 'invocation-logs',
              INVOCATION_METADATA_KEYS:
                'intent=intent,session=session_id,component=component,language=language',
            },
          },
        },
      ]);
    }
  });

  it('then a subscription filter sends every log event of the given log group to the cost events stream', () => {
    const [filter] = resourcesOfType(invocationLogs, 'AWS::Logs::SubscriptionFilter');

    expect(filter?.[1].Properties).toEqual({
      FilterName: `ccb-${STAGE}-invocation-logs`,
      LogGroupName: LOG_GROUP,
      FilterPattern: '',
      DestinationArn: arnOf('CostEventsStream'),
      RoleArn: arnOf('InvocationLogsSubscriptionRole'),
    });
  });

  it('then the role CloudWatch Logs assumes may only put records on that stream, assumed only by CloudWatch Logs of this account', () => {
    const role = propertiesOf(invocationLogs, 'InvocationLogsSubscriptionRole') as {
      AssumeRolePolicyDocument: { Statement: Record<string, unknown>[] };
    };
    const statements = roleStatements(invocationLogs, 'InvocationLogsSubscriptionRole');

    expect(role.AssumeRolePolicyDocument.Statement).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { Service: 'logs.amazonaws.com' },
        Action: 'sts:AssumeRole',
        Condition: expect.objectContaining({
          StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
        }),
      }),
    ]);
    const allowed = statements.filter((s) => s.Effect === 'Allow');
    expect(allowed.map((s) => [asArray(s.Action), asArray(s.Resource).map(key)])).toEqual([
      [['kinesis:PutRecord'], [key(arnOf('CostEventsStream'))]],
    ]);
  });

  it('then the aggregate may put request claims only on their own partitions, and only where the source needs them', () => {
    const puts = roleStatements(
      invocationLogs,
      roleOfFunction(invocationLogs, 'AggregateLambdaFunction'),
    ).filter(
      (s) =>
        s.Effect === 'Allow' &&
        asArray(s.Action).includes('dynamodb:PutItem') &&
        asArray(s.Resource).some((r) => key(r) === key(arnOf('SpendTable'))),
    );

    expect(puts.map((s) => (s as { Condition?: unknown }).Condition)).toEqual([
      {
        'ForAllValues:StringLike': {
          'dynamodb:LeadingKeys': [
            'CLAIMS#*',
            { 'Fn::If': ['InvocationLogsSource', 'REQUEST#*', { Ref: 'AWS::NoValue' }] },
          ],
        },
      },
    ]);
  });
});
