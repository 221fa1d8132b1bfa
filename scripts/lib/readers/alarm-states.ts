import {
  type CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';

export interface AlarmState {
  name: string;
  state: string;
  since: string | null;
  reason: string;
  /** The metric, or the rule of a composite alarm. */
  watches: string;
}

export interface StageStatus {
  stage: string;
  /** Counts by state, e.g. { OK: 14, ALARM: 1 }. */
  summary: Record<string, number>;
  alarms: AlarmState[];
}

/** The stack's alarms are all named `ccb-<stage>-...` (serverless.yml), so one prefix finds them. */
export const alarmPrefix = (stage: string): string => `ccb-${stage}-`;

const watched = (alarm: MetricAlarm): string => {
  if (alarm.MetricName !== undefined) return `${alarm.Namespace}/${alarm.MetricName}`;
  const shown = alarm.Metrics?.find((m) => m.ReturnData !== false && m.Expression !== undefined);
  return shown?.Expression ?? alarm.Metrics?.map((m) => m.MetricStat?.Metric?.MetricName).join(', ') ?? '';
};

const toState = (alarm: MetricAlarm | CompositeAlarm, watches: string): AlarmState => ({
  name: alarm.AlarmName ?? '',
  state: alarm.StateValue ?? 'UNKNOWN',
  since: alarm.StateUpdatedTimestamp?.toISOString() ?? null,
  reason: alarm.StateReason ?? '',
  watches,
});

// Worst first, so an alarm in ALARM leads the list.
const ORDER: Record<string, number> = { ALARM: 0, INSUFFICIENT_DATA: 1, OK: 2 };

/** Every metric and composite alarm of a deployed stage, with its state, from CloudWatch DescribeAlarms. */
export const readAlarmStates = async (stage: string, client: CloudWatchClient): Promise<StageStatus> => {
  const alarms: AlarmState[] = [];
  const pages = paginateDescribeAlarms(
    { client },
    { AlarmNamePrefix: alarmPrefix(stage), AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] },
  );
  for await (const page of pages) {
    for (const alarm of page.MetricAlarms ?? []) alarms.push(toState(alarm, watched(alarm)));
    for (const alarm of page.CompositeAlarms ?? []) alarms.push(toState(alarm, alarm.AlarmRule ?? ''));
  }
  alarms.sort((a, b) => (ORDER[a.state] ?? 3) - (ORDER[b.state] ?? 3) || a.name.localeCompare(b.name));
  const summary: Record<string, number> = {};
  for (const alarm of alarms) summary[alarm.state] = (summary[alarm.state] ?? 0) + 1;
  return { stage, summary, alarms };
};
