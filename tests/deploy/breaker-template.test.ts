import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { entriesOfFunction, LOAD_HANDLER, runBundle } from './bundle';
import {
  ACTIONS_WITHOUT_RESOURCE_ARNS,
  arnOf,
  asArray,
  grants,
  key,
  policyStatements,
  propertiesOf,
  referencedId,
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

/** What would change or remove a ledger entry, or the ledger itself. */
const LEDGER_MUTATING_ACTIONS = [
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:PartiQLUpdate',
  'dynamodb:PartiQLDelete',
  'dynamodb:DeleteTable',
];
const FLAG_PARAMETERS = {
  breaker_mode: 'normal',
  degradation_active: 'false',
  model_tier_floor: 'none',
  suspend_scale_in: 'false',
  allow_listed_only: 'false',
  strict_token_budgets: 'false',
  cost_circuit_breaker_enabled: 'true',
};
const FLAG_PARAMETERS_ARN = {
  'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/ccb/${STAGE}/*`,
};
const POWERTOOLS = { POWERTOOLS_METRICS_NAMESPACE: 'CostCircuitBreaker', POWERTOOLS_LOG_LEVEL: 'INFO' };

interface BreakerFunction {
  logicalId: string;
  /** Its file under functions/, without the extension; also its name after `ccb-<stage>-`. */
  file: string;
  environment: Record<string, unknown>;
  /** Allowed actions by resource, leaving out its own log group and X-Ray. */
  grants: Record<string, string[]>;
}

const ledgerPut = { [key(arnOf('LedgerTable'))]: ['dynamodb:PutItem'] };
const stateTransition = {
  [key(arnOf('BreakerTable'))]: ['dynamodb:GetItem', 'dynamodb:PutItem'],
  ...ledgerPut,
};

const BREAKER_FUNCTIONS: BreakerFunction[] = [
  {
    logicalId: 'CheckLambdaFunction',
    file: 'check',
    environment: {
      SPEND_TABLE_NAME: refOf('SpendTable'),
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      ESCALATE_STATE_MACHINE_ARN: refOf('EscalateStateMachine'),
      RESTORE_STATE_MACHINE_ARN: refOf('RestoreStateMachine'),
      DAILY_BUDGET_USD: '5000',
      BREAKER_POLICY: '',
      STAGE,
    },
    grants: {
      [key(arnOf('SpendTable'))]: ['dynamodb:GetItem', 'dynamodb:Query'],
      // PutItem only on the incident items (pk INCIDENTS#<day>), checked below.
      [key(arnOf('BreakerTable'))]: ['dynamodb:GetItem', 'dynamodb:PutItem'],
      [key(refOf('EscalateStateMachine'))]: ['states:StartExecution'],
      [key(refOf('RestoreStateMachine'))]: ['states:StartExecution'],
    },
  },
  {
    logicalId: 'ReconcileFlagsLambdaFunction',
    file: 'reconcile-flags',
    environment: {
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      SSM_PREFIX: `/ccb/${STAGE}/`,
      STAGE,
    },
    grants: {
      [key(arnOf('BreakerTable'))]: ['dynamodb:GetItem'],
      [key(FLAG_PARAMETERS_ARN)]: ['ssm:GetParameters', 'ssm:PutParameter'],
    },
  },
  {
    logicalId: 'BreakerApplyLambdaFunction',
    file: 'breaker-apply',
    environment: {
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      LEDGER_TABLE_NAME: refOf('LedgerTable'),
      STAGE,
    },
    grants: stateTransition,
  },
  {
    logicalId: 'BreakerPublishFlagsLambdaFunction',
    file: 'breaker-publish-flags',
    environment: {
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      LEDGER_TABLE_NAME: refOf('LedgerTable'),
      SSM_PREFIX: `/ccb/${STAGE}/`,
      STAGE,
    },
    grants: {
      [key(arnOf('BreakerTable'))]: ['dynamodb:GetItem'],
      [key(FLAG_PARAMETERS_ARN)]: ['ssm:PutParameter'],
    },
  },
  {
    logicalId: 'BreakerNotifyLambdaFunction',
    file: 'breaker-notify',
    environment: {
      ALERTS_TOPIC_ARN: refOf('AlertsTopic'),
      DAILY_BUDGET_USD: '5000',
      BREAKER_POLICY: '',
      STAGE,
    },
    grants: { [key(refOf('AlertsTopic'))]: ['sns:Publish'] },
  },
  {
    logicalId: 'BreakerRecordLambdaFunction',
    file: 'breaker-record',
    environment: {
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      LEDGER_TABLE_NAME: refOf('LedgerTable'),
      STAGE,
    },
    grants: ledgerPut,
  },
  {
    logicalId: 'BreakerOverrideLambdaFunction',
    file: 'breaker-override',
    environment: {
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      LEDGER_TABLE_NAME: refOf('LedgerTable'),
      STAGE,
    },
    grants: stateTransition,
  },
  {
    logicalId: 'BreakerRestoreStepLambdaFunction',
    file: 'breaker-restore-step',
    environment: {
      SPEND_TABLE_NAME: refOf('SpendTable'),
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      LEDGER_TABLE_NAME: refOf('LedgerTable'),
      DAILY_BUDGET_USD: '5000',
      BREAKER_POLICY: '',
      STAGE,
    },
    grants: {
      [key(arnOf('SpendTable'))]: ['dynamodb:GetItem', 'dynamodb:Query'],
      ...stateTransition,
    },
  },
  {
    logicalId: 'BreakerEnforceCapLambdaFunction',
    file: 'breaker-enforce-cap',
    environment: {
      BREAKER_TABLE_NAME: refOf('BreakerTable'),
      LEDGER_TABLE_NAME: refOf('LedgerTable'),
      CAP_ENFORCEMENT_ROLES: '',
      STAGE,
    },
    // No role listed on this stage: no IAM Allow at all (the explicit Deny is checked below).
    grants: {
      [key(arnOf('BreakerTable'))]: ['dynamodb:GetItem'],
      ...ledgerPut,
    },
  },
];

const WORKFLOWS = ['escalate', 'restore', 'override'].map((name) => ({
  name,
  logicalId: `${name[0]?.toUpperCase()}${name.slice(1)}StateMachine`,
}));

interface AslState {
  Type: string;
  Resource?: string;
  Retry?: unknown[];
  Catch?: unknown[];
  Branches?: AslDefinition[];
  Iterator?: AslDefinition;
  ItemProcessor?: AslDefinition;
}

interface AslDefinition {
  States: Record<string, AslState>;
}

/** Every state of a definition, with the states of Parallel branches and Map processors. */
const allStates = (definition: AslDefinition): [string, AslState][] =>
  Object.entries(definition.States).flatMap(([name, state]) => [
    [name, state] as [string, AslState],
    ...[...(state.Branches ?? []), ...asArray(state.Iterator), ...asArray(state.ItemProcessor)].flatMap(
      allStates,
    ),
  ]);

const placeholdersIn = (definition: unknown): string[] =>
  [
    ...new Set(
      [...JSON.stringify(definition).matchAll(/\$\{([A-Za-z0-9_]+)\}/g)].map((match) => match[1] ?? ''),
    ),
  ].sort();

type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

describe(`given the service packaged offline for stage ${STAGE}`, () => {
  let service: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    service = await packagedService();
    template = service.template;
  }, 300_000);

  describe('when reading the breaker tables', () => {
    it('then the state table is keyed by pk alone and billed per request', () => {
      expect(propertiesOf(template, 'BreakerTable')).toMatchObject({
        TableName: `ccb-${STAGE}-breaker`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      });
    });

    it('then the ledger is keyed by pk and sk, recoverable to a point in time, protected and retained', () => {
      const ledger = resourceOf(template, 'LedgerTable');

      expect(ledger.Properties).toMatchObject({
        TableName: `ccb-${STAGE}-ledger`,
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
      });
      expect(ledger).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    });
  });

  describe.each(WORKFLOWS)('when reading the $name state machine', ({ name, logicalId }) => {
    const definitionOf = (): AslDefinition =>
      JSON.parse(String(propertiesOf(template, logicalId).DefinitionString)) as AslDefinition;
    const substitutions = (): Record<string, unknown> =>
      propertiesOf(template, logicalId).DefinitionSubstitutions as Record<string, unknown>;

    it('then it is a STANDARD machine named for the stage, traced and logging to a log group with retention', () => {
      const properties = propertiesOf(template, logicalId);
      const logGroupId = `${logicalId}LogGroup`;

      expect(properties).toMatchObject({
        StateMachineName: `ccb-${STAGE}-${name}`,
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: arnOf(logGroupId) } }],
        },
      });
      expect(propertiesOf(template, logGroupId).RetentionInDays).toBe(30);
    });

    it(`then its definition is statemachines/${name}.asl.json as written, nulls included`, async () => {
      const file = JSON.parse(await readFile(join(REPO_ROOT, 'statemachines', `${name}.asl.json`), 'utf8'));

      expect(definitionOf()).toEqual(file);
    });

    it('then DefinitionSubstitutions fill every placeholder of the definition with its function, and nothing more', () => {
      const placeholders = placeholdersIn(definitionOf());

      expect(placeholders.length).toBeGreaterThan(0);
      expect(Object.keys(substitutions()).sort()).toEqual(placeholders);
      for (const placeholder of placeholders) {
        const functionId = `${placeholder.replace(/FunctionArn$/, '')}LambdaFunction`;
        expect({ placeholder, value: substitutions()[placeholder] }).toEqual({
          placeholder,
          value: arnOf(functionId),
        });
        expect(resourceOf(template, functionId).Type).toBe('AWS::Lambda::Function');
      }
    });

    it('then every Task state has Retry and Catch', () => {
      const tasks = allStates(definitionOf()).filter(([, state]) => state.Type === 'Task');

      expect(tasks.length).toBeGreaterThan(0);
      for (const [state, task] of tasks) {
        expect({ state, retry: (task.Retry ?? []).length > 0, catch: (task.Catch ?? []).length > 0 }).toEqual(
          {
            state,
            retry: true,
            catch: true,
          },
        );
      }
    });

    it('then with the function ARNs substituted it is valid Amazon States Language', () => {
      const substituted = JSON.stringify(definitionOf()).replace(
        /\$\{([A-Za-z0-9_]+)\}/g,
        (_match, placeholder: string) =>
          `arn:aws:lambda:us-east-1:123456789012:function:ccb-${STAGE}-${placeholder.replace(/FunctionArn$/, '')}`,
      );

      const result = validateAsl(JSON.parse(substituted));

      expect(result.errorsText('\n')).toBe('');
      expect(result.isValid).toBe(true);
    });

    it('then its own role, assumable only by Step Functions of this account, may invoke exactly its task functions', () => {
      const roleId = referencedId(propertiesOf(template, logicalId).RoleArn) ?? '';
      const role = propertiesOf(template, roleId);
      const statements = roleStatements(template, roleId);

      expect(roleId).toBe(`${logicalId}Role`);
      expect((role.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'states.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': refOf('AWS::AccountId') } },
        },
      ]);
      const invoked = Object.values(substitutions()).map(key).sort();
      const taskGrants = Object.fromEntries(invoked.map((arn) => [arn, ['lambda:InvokeFunction']]));
      expect(grants(statements, ['logs', 'xray'])).toEqual(taskGrants);
    });
  });

  describe('when reading the breaker functions', () => {
    it.each(BREAKER_FUNCTIONS)(
      'then $file runs its own handler, traced, with only the environment it needs',
      ({ logicalId, file, environment }) => {
        const properties = propertiesOf(template, logicalId);

        expect(properties).toMatchObject({
          FunctionName: `ccb-${STAGE}-${file}`,
          Handler: `functions/${file}.handler`,
          Runtime: 'nodejs22.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        });
        expect(properties.Environment).toEqual({
          Variables: { ...environment, ...POWERTOOLS, POWERTOOLS_SERVICE_NAME: `ccb-${file}` },
        });
      },
    );

    it.each(BREAKER_FUNCTIONS)(
      'then $file has a role of its own that allows only what it calls',
      ({ logicalId, file, grants: expected }) => {
        const roleId = roleOfFunction(template, logicalId);
        const statements = roleStatements(template, roleId);

        expect(grants(statements, ['logs', 'xray'])).toEqual(expected);
        const logGroups = Object.keys(
          grants(statements.filter((s) => asArray(s.Action).some((a) => a.startsWith('logs:')))),
        );
        expect(logGroups).toHaveLength(1);
        expect(logGroups[0]).toContain(`log-group:/aws/lambda/ccb-${STAGE}-${file}:`);
        expect(grants(statements, ['logs', 'dynamodb', 'ssm', 'sns', 'states'])).toEqual({
          [key('*')]: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'],
        });
      },
    );

    it('then check runs every minute and is not retried, since the next minute covers a failed one', () => {
      const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) =>
        asArray((rule.Properties?.Targets ?? []) as { Arn: unknown }[]).some(
          (target) => referencedId(target.Arn) === 'CheckLambdaFunction',
        ),
      );
      const [invokeConfig] = resourcesOfType(template, 'AWS::Lambda::EventInvokeConfig').filter(
        ([, config]) => referencedId(config.Properties?.FunctionName) === 'CheckLambdaFunction',
      );

      expect(rules.map(([, rule]) => rule.Properties?.ScheduleExpression)).toEqual(['rate(1 minute)']);
      expect(invokeConfig?.[1].Properties?.MaximumRetryAttempts).toBe(0);
    });

    it.each(BREAKER_FUNCTIONS)(
      'then the $file bundle loads in a Lambda-like environment with its configuration',
      async ({ logicalId }) => {
        const properties = propertiesOf(template, logicalId);

        const stdout = await runBundle(
          template,
          await entriesOfFunction(service, properties),
          properties,
          LOAD_HANDLER,
        );

        expect(stdout).toContain('HANDLER function');
      },
      60_000,
    );
  });

  describe('when reading the cap enforcement', () => {
    it('then with no capEnforcementRoles the enforce-cap role explicitly denies itself every inline-policy call', () => {
      const statements = roleStatements(
        template,
        roleOfFunction(template, 'BreakerEnforceCapLambdaFunction'),
      );
      const iam = statements.filter((s) => asArray(s.Action).some((action) => action.startsWith('iam:')));

      expect(iam).toEqual([
        {
          Effect: 'Deny',
          Action: ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy'],
          Resource: '*',
        },
      ]);
    });

    it('then the functions that fold incidents may put only the INCIDENTS# items of the breaker table', () => {
      for (const functionId of ['CheckLambdaFunction', 'AggregateLambdaFunction']) {
        const puts = roleStatements(template, roleOfFunction(template, functionId)).filter(
          (s) =>
            s.Effect === 'Allow' &&
            asArray(s.Action).includes('dynamodb:PutItem') &&
            key(s.Resource) === key(arnOf('BreakerTable')),
        );

        expect({ functionId, puts }).toEqual({
          functionId,
          puts: [
            expect.objectContaining({
              Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['INCIDENTS#*'] } },
            }),
          ],
        });
      }
    });

    it('then no other role of the stack may put or delete a role policy', () => {
      const others = policyStatements(template).filter(
        ({ holder, statement }) =>
          holder !== roleOfFunction(template, 'BreakerEnforceCapLambdaFunction') &&
          statement.Effect === 'Allow' &&
          asArray(statement.Action).some((action) =>
            /^iam:(\*|PutRolePolicy|DeleteRolePolicy)$/.test(action),
          ),
      );

      expect(others).toEqual([]);
    });

    it('then the escalate, restore and override workflows may invoke the enforce-cap task', () => {
      for (const { logicalId } of WORKFLOWS) {
        expect(propertiesOf(template, logicalId).DefinitionSubstitutions).toMatchObject({
          BreakerEnforceCapFunctionArn: arnOf('BreakerEnforceCapLambdaFunction'),
        });
      }
    });
  });

  describe('when reading the daily restore schedule', () => {
    it('then it starts the restore machine with {} at 00:00 UTC', () => {
      expect(propertiesOf(template, 'RestoreSchedule')).toMatchObject({
        ScheduleExpression: 'cron(0 0 * * ? *)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: 'ENABLED',
        Target: { Arn: refOf('RestoreStateMachine'), RoleArn: arnOf('RestoreScheduleRole'), Input: '{}' },
      });
    });

    it('then its role, assumable only by EventBridge Scheduler, may only start the restore machine', () => {
      const role = propertiesOf(template, 'RestoreScheduleRole');

      expect((role.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement).toEqual([
        {
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Action: 'sts:AssumeRole',
          Condition: { StringEquals: { 'aws:SourceAccount': refOf('AWS::AccountId') } },
        },
      ]);
      expect(grants(roleStatements(template, 'RestoreScheduleRole'))).toEqual({
        [key(refOf('RestoreStateMachine'))]: ['states:StartExecution'],
      });
    });
  });

  describe('when reading the topics', () => {
    it('then the alerts topic is encrypted with the AWS managed SNS key', () => {
      expect(propertiesOf(template, 'AlertsTopic')).toMatchObject({
        TopicName: `ccb-${STAGE}-alerts`,
        KmsMasterKeyId: 'alias/aws/sns',
      });
    });

    it('then FinOps may subscribe by email, filtered on the severity attribute, only when an address is given', () => {
      const subscription = resourceOf(template, 'FinopsAlertsSubscription');

      expect(subscription.Condition).toBe('HasFinopsEmail');
      expect(template.Conditions?.HasFinopsEmail).toEqual({ 'Fn::Not': [{ 'Fn::Equals': ['', ''] }] });
      expect(subscription.Properties).toMatchObject({
        TopicArn: refOf('AlertsTopic'),
        Protocol: 'email',
        FilterPolicyScope: 'MessageAttributes',
        FilterPolicy: { severity: ['warning', 'critical'] },
      });
    });

    it('then the alarms topic uses a rotated customer managed key that CloudWatch may use to publish', () => {
      const topicKey = propertiesOf(template, 'AlarmsTopicKey');
      const statements = (topicKey.KeyPolicy as { Statement: Statement[] }).Statement;

      expect(propertiesOf(template, 'AlarmsTopic')).toMatchObject({
        TopicName: `ccb-${STAGE}-alarms`,
        KmsMasterKeyId: refOf('AlarmsTopicKey'),
      });
      expect(topicKey.EnableKeyRotation).toBe(true);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        }),
      );
    });
  });

  describe('when reading the flags', () => {
    it('then each SSM parameter exists under the stage prefix with the value of mode normal', () => {
      const parameters = resourcesOfType(template, 'AWS::SSM::Parameter').map(([, parameter]) => [
        parameter.Properties?.Name,
        parameter.Properties?.Value,
      ]);

      expect(Object.fromEntries(parameters)).toEqual(
        Object.fromEntries(
          Object.entries(FLAG_PARAMETERS).map(([name, value]) => [`/ccb/${STAGE}/${name}`, value]),
        ),
      );
      for (const [, parameter] of resourcesOfType(template, 'AWS::SSM::Parameter')) {
        expect(parameter.Properties?.Type).toBe('String');
      }
    });
  });

  describe('when reading the audit trail', () => {
    it('then it logs write management events to its bucket, with log file validation', () => {
      const trail = resourceOf(template, 'AuditTrail');

      expect(trail.Properties).toMatchObject({
        TrailName: `ccb-${STAGE}-audit`,
        S3BucketName: refOf('AuditTrailBucket'),
        IsLogging: true,
        EnableLogFileValidation: true,
        IncludeGlobalServiceEvents: true,
        EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }],
      });
      expect(asArray(trail.DependsOn)).toContain('AuditTrailBucketPolicy');
    });

    it('then its bucket is encrypted, private, versioned, expires old logs and is retained', () => {
      const bucket = resourceOf(template, 'AuditTrailBucket');

      expect(bucket).toMatchObject({ DeletionPolicy: 'Retain' });
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
        VersioningConfiguration: { Status: 'Enabled' },
        LifecycleConfiguration: {
          Rules: [expect.objectContaining({ Status: 'Enabled', ExpirationInDays: 90 })],
        },
      });
    });

    it('then only this trail may write to the bucket, under AWSLogs/<account>/', () => {
      const statements = (
        propertiesOf(template, 'AuditTrailBucketPolicy').PolicyDocument as { Statement: Statement[] }
      ).Statement;
      const trailArn = {
        'Fn::Sub': `arn:\${AWS::Partition}:cloudtrail:\${AWS::Region}:\${AWS::AccountId}:trail/ccb-${STAGE}-audit`,
      };

      expect(grants(statements)).toEqual({
        [key(arnOf('AuditTrailBucket'))]: ['s3:GetBucketAcl'],
        [key({ 'Fn::Sub': `\${AuditTrailBucket.Arn}/AWSLogs/\${AWS::AccountId}/*` })]: ['s3:PutObject'],
      });
      for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
        expect(statement).toMatchObject({
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        });
      }
    });
  });

  describe('when reading the alarms', () => {
    it.each(WORKFLOWS)('then a failed $name execution alarms to the alarms topic', ({ logicalId }) => {
      const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => alarm.Properties ?? {})
        .filter((alarm) => alarm.MetricName === 'ExecutionsFailed');

      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/States',
          Dimensions: [{ Name: 'StateMachineArn', Value: refOf(logicalId) }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [refOf('AlarmsTopic')],
        }),
      );
    });

    it.each(BREAKER_FUNCTIONS)('then an error of $file alarms to the alarms topic', ({ logicalId }) => {
      const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm')
        .map(([, alarm]) => alarm.Properties ?? {})
        .filter((alarm) => alarm.MetricName === 'Errors');

      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          Dimensions: [{ Name: 'FunctionName', Value: refOf(logicalId) }],
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [refOf('AlarmsTopic')],
        }),
      );
    });
  });

  describe('when reading every policy statement in the template, key and resource policies included', () => {
    it('then none grants a wildcard action such as * or service:*', () => {
      const allowed = policyStatements(template).filter(({ statement }) => statement.Effect === 'Allow');

      for (const { holder, statement } of allowed) {
        expect({ holder, wildcards: asArray(statement.Action).filter((a) => a.includes('*')) }).toEqual({
          holder,
          wildcards: [],
        });
        expect({ holder, NotAction: statement.NotAction, NotResource: statement.NotResource }).toEqual({
          holder,
        });
      }
    });

    it("then Resource '*' is granted only for actions without resource ARNs (a key policy's '*' is its key)", () => {
      const keyPolicyHolders = new Set(
        resourcesOfType(template, 'AWS::KMS::Key').map(([logicalId]) => logicalId),
      );
      const onEverything = policyStatements(template).filter(
        ({ holder, statement }) =>
          statement.Effect === 'Allow' &&
          !keyPolicyHolders.has(holder) &&
          asArray(statement.Resource).includes('*'),
      );

      for (const { holder, statement } of onEverything) {
        expect({
          holder,
          actions: asArray(statement.Action).filter((action) => !ACTIONS_WITHOUT_RESOURCE_ARNS.has(action)),
        }).toEqual({ holder, actions: [] });
      }
    });

    it('then no statement allows changing or deleting ledger entries or the ledger', () => {
      const allowed = policyStatements(template).filter(({ statement }) => statement.Effect === 'Allow');

      for (const { holder, statement } of allowed) {
        const resources = asArray(statement.Resource).map(key);
        const onLedger = resources.some((resource) => resource.includes('Ledger') || resource === key('*'));
        const mutating = asArray(statement.Action).filter((action) =>
          LEDGER_MUTATING_ACTIONS.includes(action),
        );
        expect({ holder, mutating: onLedger ? mutating : [] }).toEqual({ holder, mutating: [] });
      }
    });

    it("then every role but the aggregate's explicitly denies changing or deleting ledger entries", () => {
      const roles = resourcesOfType(template, 'AWS::IAM::Role')
        .map(([logicalId]) => logicalId)
        .filter((logicalId) => logicalId !== 'AggregateIamRoleLambdaExecution');

      expect(roles.length).toBeGreaterThanOrEqual(BREAKER_FUNCTIONS.length + WORKFLOWS.length);
      for (const roleId of roles) {
        const denied = roleStatements(template, roleId)
          .filter((s) => s.Effect === 'Deny' && key(s.Resource) === key(arnOf('LedgerTable')))
          .flatMap((s) => asArray(s.Action));
        expect({ roleId, denied: LEDGER_MUTATING_ACTIONS.filter((a) => denied.includes(a)) }).toEqual({
          roleId,
          denied: LEDGER_MUTATING_ACTIONS,
        });
      }
    });
  });
});
