import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { arnOf, key } from './cfn';
import { type CfnTemplate, packagedService, STAGE } from './packaged-service';
import { loadRegistry, registryProblems, type TemplateToCheck } from './registry-schema';

type Resources = Record<
  string,
  { Type: string; Properties: Record<string, unknown> } & Record<string, unknown>
>;

/** A queue, a function and a Kinesis mapping that reports failures to the queue: valid as it stands. */
const aTemplate = (): TemplateToCheck & { Resources: Resources } => ({
  Conditions: { IsProd: { 'Fn::Equals': ['dev', 'prod'] } },
  Resources: {
    Queue: { Type: 'AWS::SQS::Queue', Properties: { MessageRetentionPeriod: 1_209_600 } },
    Role: {
      Type: 'AWS::IAM::Role',
      Properties: {
        AssumeRolePolicyDocument: { Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRole' }] },
        Tags: [{ Key: 'stage', Value: 'dev' }],
      },
    },
    Function: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Code: { ZipFile: 'export const handler = async () => ({})' },
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        MemorySize: { 'Fn::If': ['IsProd', 1024, { Ref: 'AWS::NoValue' }] },
      },
    },
    Mapping: {
      Type: 'AWS::Lambda::EventSourceMapping',
      DependsOn: 'Role',
      Properties: {
        FunctionName: { Ref: 'Function' },
        EventSourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:kinesis:\${AWS::Region}:\${AWS::AccountId}:stream/s`,
        },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1000,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::Sub': `\${Queue.Arn}` } } },
      },
    },
  },
  Outputs: { QueueUrl: { Value: { 'Fn::GetAtt': 'Queue.QueueUrl' } } },
});

type Plant = (resources: Resources) => void;

const withPlanted = (plant: Plant): TemplateToCheck => {
  const template = aTemplate();
  plant(template.Resources);
  return template;
};

const mappingOf = (resources: Resources) => resources.Mapping?.Properties ?? {};
const functionOf = (resources: Resources) => resources.Function?.Properties ?? {};

describe('the CloudFormation registry schema check', () => {
  let registry: SpecDatabase;

  beforeAll(() => {
    registry = loadRegistry();
  });

  describe('given a template CloudFormation accepts', () => {
    it('then it finds no problem (intrinsic functions standing for any type, both Fn::If branches typed)', () => {
      expect(registryProblems(registry, aTemplate())).toEqual([]);
    });
  });

  describe.each<[string, Plant, string]>([
    [
      'a typo in a property name',
      (resources) => {
        const { BisectBatchOnFunctionError, ...rest } = mappingOf(resources);
        if (resources.Mapping)
          resources.Mapping.Properties = { ...rest, BisectBatchOnError: BisectBatchOnFunctionError };
      },
      'Resources.Mapping.Properties.BisectBatchOnError: unknown property (known: AmazonManagedKafkaEventSourceConfig, BatchSize, BisectBatchOnFunctionError,',
    ],
    [
      'an unknown resource type',
      (resources) => {
        if (resources.Queue) resources.Queue.Type = 'AWS::SQS::Queues';
      },
      'Resources.Queue: AWS::SQS::Queues is not a resource type in the CloudFormation registry',
    ],
    [
      'a missing required property',
      (resources) => {
        delete functionOf(resources).Role;
      },
      'Resources.Function.Properties: missing required property Role',
    ],
    [
      'a missing required property of a nested object',
      (resources) => {
        Object.assign(resources.Role?.Properties ?? {}, { Tags: [{ Key: 'stage' }] });
      },
      'Resources.Role.Properties.Tags[0]: missing required property Value',
    ],
    [
      'a scalar where the registry has an object',
      (resources) => {
        Object.assign(mappingOf(resources), {
          DestinationConfig: { OnFailure: 'arn:aws:sqs:us-east-1:1:q' },
        });
      },
      'Resources.Mapping.Properties.DestinationConfig.OnFailure: expected OnFailure, got string',
    ],
    [
      'a scalar where the registry has a list',
      (resources) => {
        Object.assign(mappingOf(resources), { FunctionResponseTypes: 'ReportBatchItemFailures' });
      },
      'Resources.Mapping.Properties.FunctionResponseTypes: expected list of string, got string',
    ],
    [
      'a wrong primitive in a nested object',
      (resources) => {
        Object.assign(functionOf(resources), { Code: { ZipFile: 'x', S3ObjectVersion: { v: 1 } } });
      },
      'Resources.Function.Properties.Code.S3ObjectVersion: expected string, got object',
    ],
    [
      'a wrong type in a list whose property also takes any object',
      (resources) => {
        resources.Table = {
          Type: 'AWS::DynamoDB::Table',
          Properties: {
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'pk', KeyType: ['HASH'] }],
          },
        };
      },
      'Resources.Table.Properties.KeySchema[0].KeyType: expected string, got list',
    ],
    [
      'a literal of the wrong primitive type',
      (resources) => {
        Object.assign(mappingOf(resources), { BatchSize: 'a thousand' });
      },
      'Resources.Mapping.Properties.BatchSize: expected integer, got string',
    ],
    [
      'a wrong type in one branch of an Fn::If',
      (resources) => {
        Object.assign(functionOf(resources), { MemorySize: { 'Fn::If': ['IsProd', 1024, 'large'] } });
      },
      'Resources.Function.Properties.MemorySize: expected integer, got string',
    ],
    [
      'an Fn::GetAtt of an attribute the type does not have',
      (resources) => {
        Object.assign(functionOf(resources), { Role: { 'Fn::GetAtt': ['Role', 'Arnn'] } });
      },
      'Resources.Function.Properties.Role: Fn::GetAtt Role.Arnn: AWS::IAM::Role has no attribute Arnn (it has Arn, RoleId)',
    ],
    [
      'an Fn::GetAtt of a resource that does not exist',
      (resources) => {
        Object.assign(functionOf(resources), { Role: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] } });
      },
      'Resources.Function.Properties.Role: Fn::GetAtt of ExecutionRole, which is no resource',
    ],
    [
      'an attribute the type does not have, named in an Fn::Sub',
      (resources) => {
        Object.assign(mappingOf(resources), {
          DestinationConfig: { OnFailure: { Destination: { 'Fn::Sub': `\${Queue.Url}` } } },
        });
      },
      'Resources.Mapping.Properties.DestinationConfig.OnFailure.Destination: Fn::GetAtt Queue.Url: AWS::SQS::Queue has no attribute Url (it has Arn, QueueName, QueueUrl)',
    ],
    [
      'a Ref to nothing',
      (resources) => {
        Object.assign(mappingOf(resources), { FunctionName: { Ref: 'Handler' } });
      },
      'Resources.Mapping.Properties.FunctionName: Ref to Handler, which is no resource, parameter or pseudo parameter',
    ],
    [
      'a DependsOn on nothing',
      (resources) => {
        if (resources.Mapping) resources.Mapping.DependsOn = ['Role', 'Rol'];
      },
      'Resources.Mapping.DependsOn: no resource Rol',
    ],
    [
      'a typo in a resource attribute',
      (resources) => {
        if (resources.Queue) resources.Queue.DeletionPolcy = 'Retain';
      },
      'Resources.Queue.DeletionPolcy: not a resource attribute CloudFormation reads',
    ],
    [
      'a custom resource without its ServiceToken',
      (resources) => {
        resources.Seed = { Type: 'Custom::Seed', Properties: { Rows: 3 } };
      },
      'Resources.Seed.Properties: missing required property ServiceToken',
    ],
  ])('given a template with %s', (_name, plant, expected) => {
    it('then that is the one problem it reports', () => {
      const problems = registryProblems(registry, withPlanted(plant));

      // Compared by prefix: some problems go on to list what the registry knows.
      expect(problems.map((problem) => problem.slice(0, expected.length))).toEqual([expected]);
    });
  });

  describe('given a custom resource with its ServiceToken', () => {
    it('then any other property and any attribute are its provider’s to define', () => {
      const template = withPlanted((resources) => {
        resources.Seed = {
          Type: 'Custom::Seed',
          Properties: { ServiceToken: { 'Fn::GetAtt': ['Function', 'Arn'] }, Rows: 3, Table: { Name: 't' } },
        };
        Object.assign(functionOf(resources), {
          Environment: { Variables: { SEED: { 'Fn::GetAtt': ['Seed', 'Checksum'] } } },
        });
      });

      expect(registryProblems(registry, template)).toEqual([]);
    });
  });

  describe(`given the service packaged offline for stage ${STAGE}`, () => {
    let template: CfnTemplate;
    let dir: string;

    beforeAll(async () => {
      ({ template, dir } = await packagedService());
    }, 300_000);

    it('then the stack template matches the registry schemas', () => {
      expect(registryProblems(registry, template)).toEqual([]);
    });

    it('then so does the template that creates the stack (the deployment bucket)', async () => {
      const created = JSON.parse(
        await readFile(join(dir, 'cloudformation-template-create-stack.json'), 'utf8'),
      ) as CfnTemplate;

      expect(registryProblems(registry, created)).toEqual([]);
    });

    it('then a planted typo in the aggregate mapping (BisectBatchOnError) is caught', () => {
      const planted = structuredClone(template);
      const [logicalId, mapping] =
        Object.entries(planted.Resources).find(
          ([, resource]) =>
            resource.Type === 'AWS::Lambda::EventSourceMapping' &&
            key(resource.Properties?.FunctionName) === key(arnOf('AggregateLambdaFunction')),
        ) ?? [];
      const { BisectBatchOnFunctionError, ...rest } = mapping?.Properties ?? {};
      if (mapping) mapping.Properties = { ...rest, BisectBatchOnError: BisectBatchOnFunctionError };

      expect(BisectBatchOnFunctionError).toBe(true);
      expect(registryProblems(registry, planted)).toEqual([
        expect.stringMatching(
          new RegExp(`^Resources\\.${logicalId}\\.Properties\\.BisectBatchOnError: unknown property`),
        ),
      ]);
    });
  });
});
