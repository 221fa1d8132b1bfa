import { readFile, stat } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  bundleBytes,
  entriesOfFunction,
  INVOKE_EMPTY_BATCH,
  responseIn,
  runBundle,
  zipOfFunction,
} from './bundle';
import {
  ACTIONS_WITHOUT_RESOURCE_ARNS,
  policyStatements as allPolicyStatements,
  arnOf,
  asArray,
  type FoundStatement,
  key,
  MAX_BUNDLE_BYTES,
  propertiesOf,
  resourcesOfType,
  roleOfFunction,
  roleStatements,
  type Statement,
} from './cfn';
import { type CfnTemplate, type PackagedService, packagedService, STAGE } from './packaged-service';
import { readZip } from './zip';

/** Anything that can remove an item from a table. */
const ITEM_DELETING_ACTIONS = ['dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:PartiQLDelete'];

const onlyResourceOfType = (template: CfnTemplate, type: string): [string, Record<string, unknown>] => {
  const found = resourcesOfType(template, type);
  expect(found).toHaveLength(1);
  const [logicalId, resource] = found[0] ?? ['', { Type: type }];
  return [logicalId, resource.Properties ?? {}];
};

/** The aggregate's event source mapping (the archive has one of its own on the same stream). */
const aggregateMapping = (template: CfnTemplate): Record<string, unknown> => {
  const found = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
    ([, mapping]) => key(mapping.Properties?.FunctionName) === key(arnOf('AggregateLambdaFunction')),
  );
  expect(found).toHaveLength(1);
  return found[0]?.[1].Properties ?? {};
};

/**
 * IAM statements only (inline role policies and policy resources): KMS key policies grant `kms:*` to
 * the account root by design and are checked in breaker-template.test.ts.
 */
const policyStatements = (template: CfnTemplate): FoundStatement[] =>
  allPolicyStatements(template).filter(({ holder }) => template.Resources[holder]?.Type !== 'AWS::KMS::Key');

/** Resource ARN (as its CloudFormation expression) -> the actions the statements allow on it. */
const grantsByResource = (statements: Statement[], service: string): Map<string, string[]> => {
  const grants = new Map<string, string[]>();
  for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
    const actions = asArray(statement.Action).filter((action) => action.startsWith(`${service}:`));
    if (actions.length === 0) continue;
    for (const resource of asArray(statement.Resource)) {
      grants.set(key(resource), [...(grants.get(key(resource)) ?? []), ...actions].sort());
    }
  }
  return grants;
};

describe(`given the service packaged offline for stage ${STAGE}`, () => {
  let service: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    service = await packagedService();
    template = service.template;
  }, 300_000);

  describe('when reading the aggregate event source mapping', () => {
    it('then it reads the cost events stream from TRIM_HORIZON in batches of up to 1000 within 5 s', () => {
      const mapping = aggregateMapping(template);

      expect(mapping).toMatchObject({
        EventSourceArn: arnOf('CostEventsStream'),
        FunctionName: arnOf('AggregateLambdaFunction'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 1000,
        MaximumBatchingWindowInSeconds: 1,
        Enabled: true,
      });
    });

    it('then one invocation per shard runs at a time, as the per-shard watermarks require', () => {
      const mapping = aggregateMapping(template);

      expect(mapping.ParallelizationFactor).toBe(1);
    });

    it('then failures are reported per record, bisected, retried 10 times for up to a day, then sent to the queue', () => {
      const mapping = aggregateMapping(template);

      expect(mapping.FunctionResponseTypes).toContain('ReportBatchItemFailures');
      expect(mapping).toMatchObject({
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 10,
        MaximumRecordAgeInSeconds: 86_400,
        DestinationConfig: { OnFailure: { Destination: arnOf('FailedBatchesQueue') } },
      });
    });
  });

  describe('when reading the aggregate function', () => {
    it('then it runs the bundled handler on nodejs22.x arm64 with 512 MB, 60 s and active tracing', () => {
      const properties = propertiesOf(template, 'AggregateLambdaFunction');

      expect(properties).toMatchObject({
        FunctionName: `ccb-${STAGE}-aggregate`,
        Handler: 'functions/aggregate.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        MemorySize: 512,
        Timeout: 60,
        TracingConfig: { Mode: 'Active' },
      });
    });

    it('then its environment names its tables, the breaker it triggers and configures Powertools', () => {
      const properties = propertiesOf(template, 'AggregateLambdaFunction');

      expect(properties.Environment).toEqual({
        Variables: {
          BREAKER_TABLE_NAME: { Ref: 'BreakerTable' },
          ESCALATE_STATE_MACHINE_ARN: { Ref: 'EscalateStateMachine' },
          RESTORE_STATE_MACHINE_ARN: { Ref: 'RestoreStateMachine' },
          DAILY_BUDGET_USD: '5000',
          BREAKER_POLICY: '',
          SPEND_TABLE_NAME: { Ref: 'SpendTable' },
          QUARANTINE_TABLE_NAME: { Ref: 'QuarantineTable' },
          UNKNOWN_MODEL_CEILING: 'family',
          APPLICATION_INFERENCE_PROFILES: '{}',
          LEDGER_TABLE_NAME: { Ref: 'LedgerTable' },
          BREAKER_SHADOW_POLICIES: '',
          SPEND_SOURCE: 'producer',
          INVOCATION_METADATA_KEYS: 'intent=intent,session=session_id,component=component,language=language',
          POWERTOOLS_SERVICE_NAME: 'ccb-aggregate',
          POWERTOOLS_METRICS_NAMESPACE: 'CostCircuitBreaker',
          POWERTOOLS_LOG_LEVEL: 'INFO',
        },
      });
    });
  });

  describe('when reading the tables', () => {
    it('then the spend table is keyed by pk and sk, billed per request, and expires items at expires_at', () => {
      const properties = propertiesOf(template, 'SpendTable');

      expect(properties).toMatchObject({
        TableName: `ccb-${STAGE}-spend`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
        SSESpecification: { SSEEnabled: true },
      });
    });

    it('then the quarantine table is keyed by pk, billed per request, and expires items at expires_at', () => {
      const properties = propertiesOf(template, 'QuarantineTable');

      expect(properties).toMatchObject({
        TableName: `ccb-${STAGE}-quarantine`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        TimeToLiveSpecification: { AttributeName: 'expires_at', Enabled: true },
      });
    });
  });

  describe('when reading the stream and the failed-batch queue', () => {
    it('then the stream is named for the stage, has shards, and is encrypted with the Kinesis AWS managed key', () => {
      const [logicalId, stream] = onlyResourceOfType(template, 'AWS::Kinesis::Stream');

      expect(logicalId).toBe('CostEventsStream');
      expect(stream).toMatchObject({
        Name: `ccb-${STAGE}-cost-events`,
        StreamEncryption: { EncryptionType: 'KMS', KeyId: 'alias/aws/kinesis' },
      });
      const onDemand =
        (stream.StreamModeDetails as { StreamMode?: string } | undefined)?.StreamMode === 'ON_DEMAND';
      if (!onDemand) expect(Number(stream.ShardCount)).toBeGreaterThanOrEqual(1);
    });

    it('then the queue is encrypted and keeps failed-batch records for 14 days', () => {
      const [logicalId, queue] = onlyResourceOfType(template, 'AWS::SQS::Queue');

      expect(logicalId).toBe('FailedBatchesQueue');
      expect(queue.MessageRetentionPeriod).toBe(14 * 24 * 3600);
      expect(queue.SqsManagedSseEnabled === true || queue.KmsMasterKeyId !== undefined).toBe(true);
    });
  });

  describe('when reading every IAM policy statement', () => {
    it('then no statement grants a wildcard action or uses NotAction / NotResource', () => {
      const grants = policyStatements(template).filter(({ statement }) => statement.Effect === 'Allow');

      expect(grants.length).toBeGreaterThan(0);
      for (const { holder, statement } of grants) {
        expect({
          holder,
          wildcards: asArray(statement.Action).filter((action) => action.includes('*')),
        }).toEqual({
          holder,
          wildcards: [],
        });
        expect({ holder, NotAction: statement.NotAction, NotResource: statement.NotResource }).toEqual({
          holder,
        });
      }
    });

    it("then Resource '*' is granted only for X-Ray, log delivery and CloudWatch metric reads, which have no resource ARNs", () => {
      const grants = policyStatements(template).filter(({ statement }) => statement.Effect === 'Allow');

      const onEverything = grants.filter(({ statement }) => asArray(statement.Resource).includes('*'));

      for (const { holder, statement } of onEverything) {
        expect({
          holder,
          actions: asArray(statement.Action).filter((a) => !ACTIONS_WITHOUT_RESOURCE_ARNS.has(a)),
        }).toEqual({ holder, actions: [] });
      }
    });

    it('then every role in the template is the role of a function, state machine, schedule, delivery stream or log subscription, so none is unused', () => {
      const roles = resourcesOfType(template, 'AWS::IAM::Role').map(([logicalId]) => logicalId);
      const roleOf = (arn: unknown): string =>
        (arn as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt']?.[0] ?? '';
      const usedRoles = [
        ...resourcesOfType(template, 'AWS::Lambda::Function').map(([logicalId]) =>
          roleOfFunction(template, logicalId),
        ),
        ...resourcesOfType(template, 'AWS::StepFunctions::StateMachine').map(([, machine]) =>
          roleOf(machine.Properties?.RoleArn),
        ),
        ...resourcesOfType(template, 'AWS::Scheduler::Schedule').map(([, schedule]) =>
          roleOf((schedule.Properties?.Target as { RoleArn?: unknown } | undefined)?.RoleArn),
        ),
        ...resourcesOfType(template, 'AWS::KinesisFirehose::DeliveryStream').map(([, stream]) =>
          roleOf(
            (stream.Properties?.RedshiftDestinationConfiguration as { RoleARN?: unknown } | undefined)
              ?.RoleARN,
          ),
        ),
        ...resourcesOfType(template, 'AWS::Logs::SubscriptionFilter').map(([, filter]) =>
          roleOf(filter.Properties?.RoleArn),
        ),
      ];

      expect(roles.sort()).toEqual([...new Set(usedRoles)].sort());
    });
  });

  describe("when reading the aggregate function's role", () => {
    it('then it has a role of its own, assumable only by Lambda', () => {
      const roleId = roleOfFunction(template, 'AggregateLambdaFunction');
      const trust = propertiesOf(template, roleId).AssumeRolePolicyDocument as { Statement: Statement[] };

      expect(roleId).toBe('AggregateIamRoleLambdaExecution');
      expect(trust.Statement).toEqual([
        { Effect: 'Allow', Principal: { Service: ['lambda.amazonaws.com'] }, Action: ['sts:AssumeRole'] },
      ]);
    });

    it('then it may update the spend table, put and query its claims log there, read spend for the checks, put into the quarantine table, read the breaker state and put shadow entries, and nothing else in DynamoDB', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      expect(Object.fromEntries(grantsByResource(statements, 'dynamodb'))).toEqual({
        [key(arnOf('SpendTable'))]: [
          'dynamodb:GetItem',
          'dynamodb:PutItem',
          // Query twice: on the claims log partitions, and on the spend the checks read.
          'dynamodb:Query',
          'dynamodb:Query',
          'dynamodb:UpdateItem',
        ],
        [key(arnOf('QuarantineTable'))]: ['dynamodb:PutItem'],
        // The breaker state to read, and the day's incident item to fold findings into.
        [key(arnOf('BreakerTable'))]: ['dynamodb:GetItem', 'dynamodb:PutItem'],
        [key(arnOf('LedgerTable'))]: ['dynamodb:PutItem'],
      });
    });

    it("then it may put into the ledger only in the shadow policies' partition", () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      const ledgerPuts = statements.filter(
        (s) =>
          s.Effect === 'Allow' &&
          asArray(s.Resource).some((resource) => key(resource) === key(arnOf('LedgerTable'))),
      );

      expect(ledgerPuts.map((s) => (s as { Condition?: unknown }).Condition)).toEqual([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SHADOW'] } },
      ]);
    });

    it('then it reads spend for the checks only on the daily, 15-minute and baseline partitions', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      const reads = statements.filter(
        (s) =>
          s.Effect === 'Allow' &&
          asArray(s.Action).includes('dynamodb:GetItem') &&
          asArray(s.Resource).some((resource) => key(resource) === key(arnOf('SpendTable'))),
      );

      expect(reads.map((s) => (s as { Condition?: unknown }).Condition)).toEqual([
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['DAY#*', 'Q15#*', 'BASELINE'] } },
      ]);
    });

    it('then it may start only the escalate and restore workflows', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      expect(Object.fromEntries(grantsByResource(statements, 'states'))).toEqual({
        [key({ Ref: 'EscalateStateMachine' })]: ['states:StartExecution'],
        [key({ Ref: 'RestoreStateMachine' })]: ['states:StartExecution'],
      });
    });

    it('then it may put into the spend table only on the claims log partitions (and the request claims when the stage reads invocation logs), so a put can never replace a spend item', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      const putsOnSpend = statements.filter(
        (s) =>
          s.Effect === 'Allow' &&
          asArray(s.Action).includes('dynamodb:PutItem') &&
          asArray(s.Resource).some((resource) => key(resource) === key(arnOf('SpendTable'))),
      );

      expect(putsOnSpend).toHaveLength(1);
      for (const statement of putsOnSpend) {
        expect((statement as { Condition?: unknown }).Condition).toEqual({
          'ForAllValues:StringLike': {
            'dynamodb:LeadingKeys': [
              'CLAIMS#*',
              { 'Fn::If': ['InvocationLogsSource', 'REQUEST#*', { Ref: 'AWS::NoValue' }] },
            ],
          },
        });
      }
    });

    it('then it may not delete any item', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      const actions = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => asArray(s.Action));

      for (const deleting of ITEM_DELETING_ACTIONS) expect(actions).not.toContain(deleting);
    });

    it('then it may read the cost events stream as the event source mapping needs, and only that stream', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      const grants = grantsByResource(statements, 'kinesis');

      expect([...grants.keys()]).toEqual([key(arnOf('CostEventsStream'))]);
      expect(grants.get(key(arnOf('CostEventsStream')))).toEqual(
        expect.arrayContaining([
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
        ]),
      );
    });

    it('then it may send only to the failed-batch queue and write only its own log group', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'AggregateLambdaFunction'));

      expect(Object.fromEntries(grantsByResource(statements, 'sqs'))).toEqual({
        [key(arnOf('FailedBatchesQueue'))]: ['sqs:SendMessage'],
      });
      const logResources = [...grantsByResource(statements, 'logs').keys()];
      expect(logResources).toHaveLength(1);
      expect(logResources[0]).toContain(`log-group:/aws/lambda/ccb-${STAGE}-aggregate:`);
      expect(grantsByResource(statements, 'cloudwatch').size).toBe(0);
    });
  });

  describe('when reading the function packages', () => {
    it(`then each function's minified bundle, and so its zip, is at most ${MAX_BUNDLE_BYTES / 1000} KB`, async () => {
      const functions = resourcesOfType(template, 'AWS::Lambda::Function');

      expect(functions.length).toBeGreaterThan(0);
      for (const [logicalId, resource] of functions) {
        const zip = zipOfFunction(service, resource.Properties ?? {});
        const bundle = bundleBytes(readZip(await readFile(zip)));
        const { size } = await stat(zip);
        expect({
          logicalId,
          bundleTooBig: bundle > MAX_BUNDLE_BYTES,
          zipTooBig: size > MAX_BUNDLE_BYTES,
        }).toEqual({
          logicalId,
          bundleTooBig: false,
          zipTooBig: false,
        });
      }
    });

    it("then each zip holds its handler's ESM bundle", async () => {
      for (const [, resource] of resourcesOfType(template, 'AWS::Lambda::Function')) {
        const properties = resource.Properties ?? {};
        const entries = await entriesOfFunction(service, properties);

        const handlerModule = `${String(properties.Handler).replace(/\.[^.]+$/, '')}.mjs`;
        expect(entries.map((entry) => entry.name)).toEqual([handlerModule]);
      }
    });

    it('then the aggregate bundle loads in a Lambda-like environment and answers an empty batch with no failures', async () => {
      const properties = propertiesOf(template, 'AggregateLambdaFunction');

      const stdout = await runBundle(
        template,
        await entriesOfFunction(service, properties),
        properties,
        INVOKE_EMPTY_BATCH,
      );

      expect(responseIn(stdout)).toEqual({ batchItemFailures: [] });
    }, 120_000);
  });
});
