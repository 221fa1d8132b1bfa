import { beforeAll, describe, expect, it } from '@jest/globals';
import { bundleBytes, entriesOfFunction, LOAD_HANDLER, runBundle } from './bundle';
import {
  arnOf,
  asArray,
  grants,
  key,
  MAX_BUNDLE_BYTES,
  propertiesOf,
  referencedId,
  refOf,
  resourceOf,
  resourcesOfType,
  roleOfFunction,
  roleStatements,
} from './cfn';
import { type CfnTemplate, type PackagedService, packagedService, STAGE } from './packaged-service';

const ALARMS_TOPIC = refOf('AlarmsTopic');
const NAMESPACE = 'CostCircuitBreaker';

interface MetricDataQuery {
  Id: string;
  ReturnData?: boolean;
  Expression?: string;
  MetricStat?: {
    Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] };
    Period: number;
    Stat: string;
  };
}

const alarmProperties = (template: CfnTemplate, logicalId: string) => {
  expect(resourceOf(template, logicalId).Type).toBe('AWS::CloudWatch::Alarm');
  return propertiesOf(template, logicalId);
};

interface Widget {
  type: string;
  properties: { title?: string; metrics?: unknown[][]; alarms?: string[]; annotations?: unknown };
}

/** The dashboard body with every `${...}` of its Fn::Sub named, parsed. */
const dashboardOf = (template: CfnTemplate): { body: { widgets: Widget[] }; substituted: string[] } => {
  const body = propertiesOf(template, 'Dashboard').DashboardBody as { 'Fn::Sub': string };
  const substituted = [...body['Fn::Sub'].matchAll(/\$\{([^}]+)\}/g)].map((m) => m[1] ?? '');
  return { body: JSON.parse(body['Fn::Sub'].replace(/\$\{([^}]+)\}/g, 'SUB:$1')), substituted };
};

describe(`given the service packaged offline for stage ${STAGE}: CloudWatch and the baselines`, () => {
  let service: PackagedService;
  let template: CfnTemplate;

  beforeAll(async () => {
    service = await packagedService();
    template = service.template;
  }, 300_000);

  describe('when reading the spend threshold alarms', () => {
    it.each([
      ['DailySpend70PctAlarm', 70],
      ['DailySpend85PctAlarm', 85],
      ['DailySpend95PctAlarm', 95],
      ['DailySpend100PctAlarm', 100],
    ])('then %s alarms at %i% of the budget param on the check daily spend gauge', (logicalId, percent) => {
      const alarm = alarmProperties(template, logicalId);
      const metrics = alarm.Metrics as MetricDataQuery[];

      expect(alarm).toMatchObject({
        AlarmName: `ccb-${STAGE}-daily-spend-${percent}pct`,
        Threshold: percent,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [ALARMS_TOPIC],
      });
      expect(metrics.find((m) => m.ReturnData !== false)?.Expression).toBe(
        '100 * spend / (5000 * 1000000000)',
      );
      expect(metrics.find((m) => m.Id === 'spend')?.MetricStat).toEqual({
        Metric: {
          Namespace: NAMESPACE,
          MetricName: 'DailySpendNanoUsd',
          Dimensions: [{ Name: 'service', Value: 'ccb-check' }],
        },
        Period: 300,
        Stat: 'Maximum',
      });
    });
  });

  describe('when reading the anomaly band on 15-minute spend', () => {
    it('then an alarm fires above the band of a detector on the same metric and statistic', () => {
      const alarm = alarmProperties(template, 'Spend15MinuteAnomalyAlarm');
      const metrics = alarm.Metrics as MetricDataQuery[];
      const detector = propertiesOf(template, 'SpendAnomalyDetector').SingleMetricAnomalyDetector;
      const spend = metrics.find((m) => m.Id === 'spend')?.MetricStat;

      expect(alarm).toMatchObject({
        ThresholdMetricId: 'band',
        ComparisonOperator: 'GreaterThanUpperThreshold',
        AlarmActions: [ALARMS_TOPIC],
      });
      expect(metrics.find((m) => m.Id === 'band')?.Expression).toBe('ANOMALY_DETECTION_BAND(spend, 3)');
      expect(spend).toMatchObject({ Period: 900, Stat: 'Sum' });
      expect(detector).toEqual({ ...spend?.Metric, Stat: spend?.Stat });
      expect(spend?.Metric).toEqual({
        Namespace: NAMESPACE,
        MetricName: 'SpendNanoUsd',
        Dimensions: [{ Name: 'service', Value: 'ccb-aggregate' }],
      });
    });
  });

  describe('when reading the pipeline alarms', () => {
    it('then any quarantined event alarms', () => {
      expect(alarmProperties(template, 'EventsQuarantinedAlarm')).toMatchObject({
        Namespace: NAMESPACE,
        MetricName: 'EventsQuarantined',
        Dimensions: [{ Name: 'service', Value: 'ccb-aggregate' }],
        Statistic: 'Sum',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [ALARMS_TOPIC],
      });
    });

    it("then the cost events stream's iterator age alarms past a minute, and when nothing reads it", () => {
      expect(alarmProperties(template, 'StreamIteratorAgeAlarm')).toMatchObject({
        Namespace: 'AWS/Kinesis',
        MetricName: 'GetRecords.IteratorAgeMilliseconds',
        Dimensions: [{ Name: 'StreamName', Value: refOf('CostEventsStream') }],
        Statistic: 'Maximum',
        Threshold: 60_000,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [ALARMS_TOPIC],
      });
    });

    it('then every alarm is named ccb-<stage>-, the prefix `ccb status` reads, and notifies the alarms topic', () => {
      const alarms = resourcesOfType(template, 'AWS::CloudWatch::Alarm');

      expect(alarms.length).toBeGreaterThanOrEqual(18);
      for (const [logicalId, alarm] of alarms) {
        expect({ logicalId, name: String(alarm.Properties?.AlarmName).startsWith(`ccb-${STAGE}-`) }).toEqual({
          logicalId,
          name: true,
        });
        expect({ logicalId, actions: alarm.Properties?.AlarmActions }).toEqual({
          logicalId,
          actions: [ALARMS_TOPIC],
        });
      }
    });
  });

  describe('when reading the dashboard', () => {
    it('then its body is JSON with spend vs budget, the anomaly band, spend by intent and by model, mode and lag', () => {
      const { body } = dashboardOf(template);
      const text = JSON.stringify(body.widgets);

      expect(propertiesOf(template, 'Dashboard').DashboardName).toBe(`ccb-${STAGE}`);
      expect(body.widgets.map((w) => w.properties.title)).toEqual([
        'Daily spend, % of the 5000 USD budget (UTC day)',
        '15-minute spend (USD) and its expected band',
        'Spend by intent (USD per 5 minutes)',
        'Spend by model (USD per 5 minutes)',
        'Events counted, duplicates and quarantined',
        'Breaker mode (0 normal, 1 cache_aggressive, 2 cost_saving, 3 emergency, 4 cap)',
        'Stream iterator age (ms)',
        'Alarms',
      ]);
      expect(text).toContain('ANOMALY_DETECTION_BAND(spend, 3)');
      expect(text).toContain('{CostCircuitBreaker,intent,service}');
      expect(text).toContain('{CostCircuitBreaker,model,service}');
      expect(JSON.stringify(body.widgets[0]?.properties.annotations)).toContain('"value":85');
    });

    it('then it substitutes only resources of the template and the region, and shows every alarm defined here', () => {
      const { body, substituted } = dashboardOf(template);
      const logicalIds = substituted.filter((s) => s !== 'AWS::Region').map((s) => s.replace(/\.Arn$/, ''));
      const shown = body.widgets.find((w) => w.type === 'alarm')?.properties.alarms ?? [];

      for (const id of logicalIds)
        expect({ id, defined: template.Resources[id] !== undefined }).toEqual({ id, defined: true });
      for (const id of [
        'DailySpend70PctAlarm',
        'DailySpend100PctAlarm',
        'Spend15MinuteAnomalyAlarm',
        'EventsQuarantinedAlarm',
        'StreamIteratorAgeAlarm',
        'BaselinesErrorsAlarm',
      ])
        expect(shown).toContain(`SUB:${id}.Arn`);
    });
  });

  describe('when reading the baselines function', () => {
    it('then it runs every hour with the warehouse and spend table it needs', () => {
      const properties = propertiesOf(template, 'BaselinesLambdaFunction');
      const rules = resourcesOfType(template, 'AWS::Events::Rule').filter(([, rule]) =>
        asArray((rule.Properties?.Targets ?? []) as { Arn: unknown }[]).some(
          (target) => referencedId(target.Arn) === 'BaselinesLambdaFunction',
        ),
      );

      expect(properties).toMatchObject({
        FunctionName: `ccb-${STAGE}-baselines`,
        Handler: 'functions/baselines.handler',
        Timeout: 300,
        TracingConfig: { Mode: 'Active' },
      });
      expect((properties.Environment as { Variables: unknown }).Variables).toMatchObject({
        SPEND_TABLE_NAME: refOf('SpendTable'),
        WAREHOUSE_WORKGROUP: `ccb-${STAGE}`,
        WAREHOUSE_DATABASE: 'ccb',
        POWERTOOLS_SERVICE_NAME: 'ccb-baselines',
      });
      expect(rules.map(([, rule]) => rule.Properties?.ScheduleExpression)).toEqual(['rate(1 hour)']);
    });

    it('then its role runs statements on the warehouse workgroup, reads back only its own, and puts only baseline items', () => {
      const statements = roleStatements(template, roleOfFunction(template, 'BaselinesLambdaFunction'));
      const workgroup = { 'Fn::GetAtt': ['WarehouseWorkgroup', 'Workgroup.WorkgroupArn'] };
      const onStar = statements.filter((s) => s.Effect === 'Allow' && asArray(s.Resource).includes('*'));
      const put = statements.find((s) => asArray(s.Action).includes('dynamodb:PutItem'));

      expect(grants(statements, ['logs', 'xray'])).toEqual({
        [key(workgroup)]: ['redshift-data:ExecuteStatement', 'redshift-serverless:GetCredentials'],
        '"*"': [
          'redshift-data:CancelStatement',
          'redshift-data:DescribeStatement',
          'redshift-data:GetStatementResult',
        ],
        [key(arnOf('SpendTable'))]: ['dynamodb:PutItem'],
      });
      expect(
        onStar.find((s) => asArray(s.Action).includes('redshift-data:GetStatementResult'))?.Condition,
      ).toEqual({
        StringEquals: { 'redshift-data:statement-owner-iam-userid': { 'Fn::Sub': `\${!aws:userid}` } },
      });
      expect(put?.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['BASELINE'] } });
    });

    it('then the checks (check and aggregate) may read the baseline items', () => {
      for (const fn of ['CheckLambdaFunction', 'AggregateLambdaFunction']) {
        const reads = roleStatements(template, roleOfFunction(template, fn)).filter((s) =>
          asArray(s.Action).includes('dynamodb:GetItem'),
        );
        expect(JSON.stringify(reads)).toContain('"BASELINE"');
      }
    });

    it(`then its bundle is at most ${MAX_BUNDLE_BYTES / 1000} KB, carries the query files and loads in a Lambda-like environment`, async () => {
      const properties = propertiesOf(template, 'BaselinesLambdaFunction');
      const entries = await entriesOfFunction(service, properties);

      const stdout = await runBundle(template, entries, properties, LOAD_HANDLER);

      expect(bundleBytes(entries)).toBeLessThanOrEqual(MAX_BUNDLE_BYTES);
      expect(entries.map((e) => e.data.toString('utf8')).join('')).toContain('cost_events_unique');
      expect(stdout).toContain('HANDLER function');
    }, 60_000);
  });
});
