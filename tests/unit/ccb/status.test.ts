import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { LOCAL_NOTE, renderLocalStatus, renderStageStatus } from '../../../scripts/ccb/commands/status';
import { readAlarmStates } from '../../../scripts/lib/readers/alarm-states';
import type { StackStatus } from '../../../scripts/local/stack';

const cloudwatch = mockClient(CloudWatchClient);
const at = new Date('2025-03-15T14:00:00.000Z');

describe('ccb status', () => {
  beforeEach(() => {
    cloudwatch.reset();
  });

  it("reads every page of the stage's alarms by the ccb-<stage>- prefix, worst state first", async () => {
    // Prepare
    cloudwatch
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'ccb-dev-', NextToken: undefined })
      .resolves({
        MetricAlarms: [
          {
            AlarmName: 'ccb-dev-events-quarantined',
            StateValue: 'OK',
            StateUpdatedTimestamp: at,
            StateReason: 'Threshold Crossed: no datapoints',
            Namespace: 'CostCircuitBreaker',
            MetricName: 'EventsQuarantined',
          },
        ],
        NextToken: 'page-2',
      })
      .on(DescribeAlarmsCommand, { AlarmNamePrefix: 'ccb-dev-', NextToken: 'page-2' })
      .resolves({
        MetricAlarms: [
          {
            AlarmName: 'ccb-dev-daily-spend-85pct',
            StateValue: 'ALARM',
            StateUpdatedTimestamp: at,
            StateReason: 'Threshold Crossed: 1 datapoint [86.2] was >= 85.0',
            Metrics: [
              {
                Id: 'spend',
                ReturnData: false,
                MetricStat: { Metric: { MetricName: 'DailySpendNanoUsd' }, Period: 300, Stat: 'Maximum' },
              },
              { Id: 'budget_pct', Expression: '100 * spend / (5000 * 1000000000)', ReturnData: true },
            ],
          },
          { AlarmName: 'ccb-dev-spend-15min-anomaly', StateValue: 'INSUFFICIENT_DATA', Metrics: [] },
        ],
      });

    // Act
    const status = await readAlarmStates('dev', new CloudWatchClient({ region: 'us-east-1' }));

    // Assess
    expect(status.summary).toEqual({ ALARM: 1, INSUFFICIENT_DATA: 1, OK: 1 });
    expect(status.alarms.map((a) => [a.name, a.state, a.watches])).toEqual([
      ['ccb-dev-daily-spend-85pct', 'ALARM', '100 * spend / (5000 * 1000000000)'],
      ['ccb-dev-spend-15min-anomaly', 'INSUFFICIENT_DATA', ''],
      ['ccb-dev-events-quarantined', 'OK', 'CostCircuitBreaker/EventsQuarantined'],
    ]);
    expect(cloudwatch.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input.AlarmTypes).toEqual([
      'MetricAlarm',
      'CompositeAlarm',
    ]);
    expect(renderStageStatus(status)).toContain('Stage dev: 3 alarms (1 ALARM, 1 INSUFFICIENT_DATA, 1 OK)');
  });

  it('says so when a stage has no alarms', async () => {
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });

    const status = await readAlarmStates('qa', new CloudWatchClient({ region: 'us-east-1' }));

    expect(renderStageStatus(status)).toBe(
      'No alarms named ccb-qa-* in CloudWatch: is stage qa deployed in this region?',
    );
  });

  it('locally, says CloudWatch has no stand-in and shows the local stack instead', () => {
    const stack = {
      home: '/tmp/ccb',
      running: true,
      healthy: true,
      startedAt: '2025-03-15T00:00:00.000Z',
      emulators: [{ name: 'kinesis-local', pid: 1, alive: true, healthy: true, endpoint: 'x' }],
      failureRecords: 2,
      consumers: [],
      stream: {
        name: 'ccb-local-cost-events',
        arn: null,
        shards: [{ shardId: 's', checkpoint: null, records: 5, capped: false }],
      },
    } as unknown as StackStatus;

    const text = renderLocalStatus({ stage: 'local', cloudwatch: null, note: LOCAL_NOTE, stack });

    expect(text).toContain('CloudWatch alarms have no local stand-in');
    expect(text).toContain('local stack: healthy');
    expect(text).toContain('discarded batches (on-failure destination): 2');
    expect(text).toContain('ccb-local-cost-events: 5 records not yet processed');
  });
});
