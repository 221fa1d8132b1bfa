import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { anArchivedEvent } from '../helpers/archived-events';
import { bundleBytes, entriesOfFunction, INVOKE_EMPTY_BATCH, responseIn, runBundle } from './bundle';
import {
  arnOf,
  asArray,
  grants,
  key,
  MAX_BUNDLE_BYTES,
  propertiesOf,
  refOf,
  resourceOf,
  resourcesOfType,
  roleOfFunction,
  roleStatements,
  type Statement,
} from './cfn';
import {
  type CfnTemplate,
  type PackagedService,
  packagedService,
  REPO_ROOT,
  STAGE,
} from './packaged-service';

const LEDGER_DENIED = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:DeleteTable',
  'dynamodb:UpdateTable',
  'dynamodb:UpdateTimeToLive',
];

/** The columns of cost_events, in the order of warehouse/sql/ddl/cost_events.sql. */
const ddlColumns = async (): Promise<string[]> => {
  const ddl = await readFile(join(REPO_ROOT, 'warehouse/sql/ddl/cost_events.sql'), 'utf8');
  const body = /CREATE TABLE IF NOT EXISTS cost_events \(([\s\S]*?)\n\);/.exec(ddl)?.[1] ?? '';
  return body
    .split('\n')
    .map((line) => /^\s+([a-z0-9_]+)\s/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
};

describe(`given the service packaged offline for stage ${STAGE}, the archive path`, () => {
  let service: PackagedService;
  let template: CfnTemplate;

  const mappingOf = (functionId: string): Record<string, unknown> => {
    const mappings = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping').filter(
      ([, mapping]) => key(mapping.Properties?.FunctionName) === key(arnOf(functionId)),
    );
    expect(mappings).toHaveLength(1);
    return mappings[0]?.[1].Properties ?? {};
  };

  const deliveryStream = () => propertiesOf(template, 'ArchiveDeliveryStream');
  const redshiftDestination = () =>
    deliveryStream().RedshiftDestinationConfiguration as Record<string, unknown> & {
      S3Configuration: Record<string, unknown>;
      CopyCommand: Record<string, string>;
    };

  beforeAll(async () => {
    service = await packagedService();
    template = service.template;
  }, 300_000);

  describe('when reading the archive function and its event source mapping', () => {
    it('then it is a function of its own on nodejs22.x arm64, traced, told the delivery stream', () => {
      expect(propertiesOf(template, 'ArchiveLambdaFunction')).toMatchObject({
        FunctionName: `ccb-${STAGE}-archive`,
        Handler: 'functions/archive.handler',
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: {
            ARCHIVE_DELIVERY_STREAM_NAME: refOf('ArchiveDeliveryStream'),
            POWERTOOLS_SERVICE_NAME: 'ccb-archive',
            POWERTOOLS_METRICS_NAMESPACE: 'CostCircuitBreaker',
          },
        },
      });
    });

    it('then a second mapping of its own reads the cost events stream, beside the aggregate’s', () => {
      const archive = mappingOf('ArchiveLambdaFunction');
      const aggregate = mappingOf('AggregateLambdaFunction');

      expect(archive).toMatchObject({
        EventSourceArn: arnOf('CostEventsStream'),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 30,
        Enabled: true,
      });
      expect(aggregate.EventSourceArn).toEqual(archive.EventSourceArn);
    });

    it('then failures are reported per record, bisected, retried until the records are 6 hours old, then queued', () => {
      const archive = mappingOf('ArchiveLambdaFunction');

      expect(archive.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
      expect(archive).toMatchObject({
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: 21_600,
        DestinationConfig: { OnFailure: { Destination: arnOf('FailedBatchesQueue') } },
      });
    });

    it('then its role may put record batches to the archive stream only, and touches no table', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'ArchiveLambdaFunction'));

      expect(grants(statements, ['logs', 'xray'])).toEqual({
        [key(arnOf('CostEventsStream'))]: [
          'kinesis:DescribeStream',
          'kinesis:DescribeStreamSummary',
          'kinesis:GetRecords',
          'kinesis:GetShardIterator',
          'kinesis:ListShards',
          'kinesis:ListStreams',
        ],
        [key(arnOf('ArchiveDeliveryStream'))]: ['firehose:PutRecordBatch'],
        [key(arnOf('FailedBatchesQueue'))]: ['sqs:SendMessage'],
      });
      const logs = Object.keys(
        grants(statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('logs:')))),
      );
      expect(logs).toHaveLength(1);
      expect(logs[0]).toContain(`log-group:/aws/lambda/ccb-${STAGE}-archive:`);
      const denied = statements.filter((s) => s.Effect === 'Deny').flatMap((s) => asArray(s.Action));
      expect(denied).toEqual(expect.arrayContaining(LEDGER_DENIED));
    });

    it(`then its minified bundle is at most ${MAX_BUNDLE_BYTES / 1000} KB, and it loads and answers an empty batch in a Lambda-like environment`, async () => {
      const properties = propertiesOf(template, 'ArchiveLambdaFunction');
      const entries = await entriesOfFunction(service, properties);
      expect(bundleBytes(entries)).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);

      const stdout = await runBundle(template, entries, properties, INVOKE_EMPTY_BATCH);
      expect(responseIn(stdout)).toEqual({ batchItemFailures: [] });
    }, 120_000);
  });

  describe('when reading the delivery stream', () => {
    it('then it takes direct puts, encrypted at rest, and loads Redshift', () => {
      expect(deliveryStream()).toMatchObject({
        DeliveryStreamName: `ccb-${STAGE}-archive`,
        DeliveryStreamType: 'DirectPut',
        DeliveryStreamEncryptionConfigurationInput: { KeyType: 'AWS_OWNED_CMK' },
      });
      expect(redshiftDestination()).toMatchObject({
        RoleARN: arnOf('ArchiveDeliveryRole'),
        S3BackupMode: 'Disabled',
        RetryOptions: { DurationInSeconds: 7200 },
        CloudWatchLoggingOptions: { Enabled: true, LogGroupName: refOf('ArchiveDeliveryLogGroup') },
      });
    });

    it('then it COPYs JSON lines into cost_events with the columns of the DDL, which are the archived event’s fields', async () => {
      const columns = await ddlColumns();

      expect(redshiftDestination().CopyCommand).toEqual({
        DataTableName: 'cost_events',
        DataTableColumns: columns.join(','),
        CopyOptions: "FORMAT AS JSON 'auto' GZIP TIMEFORMAT 'auto'",
      });
      expect(columns).toEqual(Object.keys(anArchivedEvent()));
    });

    it('then it reaches the warehouse workgroup as the admin whose credentials Secrets Manager generated', () => {
      const destination = redshiftDestination();

      expect(destination.ClusterJDBCURL).toEqual({
        'Fn::Join': [
          '',
          [
            'jdbc:redshift://',
            { 'Fn::GetAtt': ['WarehouseWorkgroup', 'Workgroup.Endpoint.Address'] },
            ':5439/ccb',
          ],
        ],
      });
      expect(destination.SecretsManagerConfiguration).toEqual({
        Enabled: true,
        SecretARN: refOf('WarehouseAdminSecret'),
        RoleARN: arnOf('ArchiveDeliveryRole'),
      });
      expect(destination.Username).toBeUndefined();
      expect(destination.Password).toBeUndefined();
    });

    it('then it writes GZIP objects to the archive bucket under an hourly prefix, with errors apart, buffered', () => {
      expect(redshiftDestination().S3Configuration).toMatchObject({
        BucketARN: arnOf('ArchiveBucket'),
        RoleARN: arnOf('ArchiveDeliveryRole'),
        CompressionFormat: 'GZIP',
        Prefix: 'events/!{timestamp:yyyy/MM/dd/HH}/',
        ErrorOutputPrefix: 'errors/!{firehose:error-output-type}/!{timestamp:yyyy/MM/dd/HH}/',
        BufferingHints: { IntervalInSeconds: 300, SizeInMBs: 64 },
        CloudWatchLoggingOptions: {
          Enabled: true,
          LogGroupName: refOf('ArchiveDeliveryLogGroup'),
          LogStreamName: refOf('ArchiveS3DeliveryLogStream'),
        },
      });
    });

    it('then its log group keeps the stage’s retention', () => {
      expect(propertiesOf(template, 'ArchiveDeliveryLogGroup')).toEqual({
        LogGroupName: `/aws/kinesisfirehose/ccb-${STAGE}-archive`,
        RetentionInDays: 30,
      });
    });
  });

  describe('when reading the archive bucket', () => {
    it('then it is encrypted, private, owner-enforced and retained with the stack gone', () => {
      const bucket = resourceOf(template, 'ArchiveBucket');

      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      expect(bucket.Properties).toMatchObject({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      });
    });

    it('then objects move to infrequent access at 30 days and Glacier at 90 (seed 004), and never expire', () => {
      const rules = (
        propertiesOf(template, 'ArchiveBucket').LifecycleConfiguration as {
          Rules: { Status: string; Transitions?: unknown[]; ExpirationInDays?: number }[];
        }
      ).Rules;

      expect(rules).toHaveLength(1);
      expect(rules[0]?.Status).toBe('Enabled');
      expect(rules[0]?.Transitions).toEqual([
        { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
        { StorageClass: 'GLACIER', TransitionInDays: 90 },
        { StorageClass: 'DEEP_ARCHIVE', TransitionInDays: 365 },
      ]);
      expect(rules[0]?.ExpirationInDays).toBeUndefined();
    });

    it('then its policy refuses any request not made over TLS', () => {
      const statements = (
        propertiesOf(template, 'ArchiveBucketPolicy').PolicyDocument as { Statement: Statement[] }
      ).Statement;

      expect(statements).toEqual([
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 's3:*',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]);
      expect(propertiesOf(template, 'ArchiveBucketPolicy').Bucket).toEqual(refOf('ArchiveBucket'));
    });
  });

  describe("when reading the delivery stream's role", () => {
    it('then only Firehose of this account may assume it', () => {
      const trust = propertiesOf(template, 'ArchiveDeliveryRole').AssumeRolePolicyDocument as {
        Statement: Statement[];
      };

      expect(trust.Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'firehose.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'sts:ExternalId': refOf('AWS::AccountId') } },
        },
      ]);
    });

    it('then it may write and read back its objects, log its deliveries and read the warehouse password, nothing else', () => {
      const statements = roleStatements(template, 'ArchiveDeliveryRole');

      expect(grants(statements)).toEqual({
        [key(arnOf('ArchiveBucket'))]: [
          's3:GetBucketLocation',
          's3:ListBucket',
          's3:ListBucketMultipartUploads',
        ],
        [key({ 'Fn::Sub': `\${ArchiveBucket.Arn}/*` })]: [
          's3:AbortMultipartUpload',
          's3:GetObject',
          's3:PutObject',
        ],
        [key({
          'Fn::Sub':
            `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:` +
            `\${ArchiveDeliveryLogGroup}:log-stream:*`,
        })]: ['logs:PutLogEvents'],
        [key(refOf('WarehouseAdminSecret'))]: ['secretsmanager:GetSecretValue'],
      });
      const denied = statements.filter((s) => s.Effect === 'Deny').flatMap((s) => asArray(s.Action));
      expect(denied).toEqual(LEDGER_DENIED);
    });
  });

  describe('when reading the warehouse', () => {
    it('then a Redshift Serverless namespace holds database ccb, its admin read from the generated secret, and is retained', () => {
      const namespace = resourceOf(template, 'WarehouseNamespace');
      const fromSecret = (field: string) => ({
        'Fn::Sub': `{{resolve:secretsmanager:\${WarehouseAdminSecret}:SecretString:${field}}}`,
      });

      expect(namespace).toMatchObject({ DeletionPolicy: 'Retain' });
      expect(namespace.Properties).toEqual(
        expect.objectContaining({
          NamespaceName: `ccb-${STAGE}`,
          DbName: 'ccb',
          AdminUsername: fromSecret('username'),
          AdminUserPassword: fromSecret('password'),
        }),
      );
      expect(namespace.Properties?.ManageAdminPassword).toBeUndefined();
    });

    it('then the admin secret is generated (username and password, as Firehose reads it) and outlives the stack', () => {
      const secret = resourceOf(template, 'WarehouseAdminSecret');

      expect(secret).toMatchObject({
        Type: 'AWS::SecretsManager::Secret',
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      expect(secret.Properties).toMatchObject({
        Name: `ccb-${STAGE}/warehouse-admin`,
        GenerateSecretString: {
          SecretStringTemplate: JSON.stringify({ username: 'ccb_admin' }),
          GenerateStringKey: 'password',
          PasswordLength: 32,
          ExcludePunctuation: true,
          RequireEachIncludedType: true,
        },
      });
      expect(secret.Properties?.SecretString).toBeUndefined();
    });

    it('then its workgroup is the one the reports name, capped, TLS only, reachable on 5439 from Firehose’s range alone', () => {
      expect(propertiesOf(template, 'WarehouseWorkgroup')).toMatchObject({
        WorkgroupName: `ccb-${STAGE}`,
        NamespaceName: refOf('WarehouseNamespace'),
        BaseCapacity: 8,
        MaxCapacity: 32,
        SecurityGroupIds: [{ 'Fn::GetAtt': ['WarehouseSecurityGroup', 'GroupId'] }],
        ConfigParameters: [{ ParameterKey: 'require_ssl', ParameterValue: 'true' }],
      });
      const ingress = propertiesOf(template, 'WarehouseSecurityGroup').SecurityGroupIngress as unknown[];
      expect(ingress).toEqual([
        expect.objectContaining({
          IpProtocol: 'tcp',
          FromPort: 5439,
          ToPort: 5439,
          CidrIp: '52.70.63.192/27',
        }),
      ]);
    });
  });
});
