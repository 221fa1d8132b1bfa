import {
  CloudWatchClient,
  type CompositeAlarm,
  type MetricAlarm,
  paginateDescribeAlarms,
} from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import { renderTable } from '../../lib/table';
import { type StackStatus, stackStatus } from '../../local/stack';

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

export interface LocalStatus {
  stage: 'local';
  cloudwatch: null;
  note: string;
  stack: StackStatus;
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

export const renderStageStatus = (status: StageStatus): string => {
  if (status.alarms.length === 0)
    return `No alarms named ${alarmPrefix(status.stage)}* in CloudWatch: is stage ${status.stage} deployed in this region?`;
  const counts = Object.entries(status.summary)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
  return [
    `Stage ${status.stage}: ${status.alarms.length} alarms (${counts})`,
    renderTable(
      ['alarm', 'state', 'since', 'reason'],
      status.alarms.map((a) => [
        a.name,
        a.state,
        a.since ?? '-',
        a.reason.length > 70 ? `${a.reason.slice(0, 67)}...` : a.reason,
      ]),
    ),
  ].join('\n');
};

export const LOCAL_NOTE =
  'CloudWatch alarms have no local stand-in (the local CloudWatch keeps metrics only): the alarms, the anomaly band and the dashboard exist only on AWS ' +
  "(npx ccb status --stage <stage>). Below is the local stack's own status instead.";

/** The local stack's health in the terms of the AWS alarms: processes, discarded batches, stream lag. */
export const renderLocalStatus = (status: LocalStatus): string => {
  const { stack } = status;
  const lines = [LOCAL_NOTE, ''];
  if (!stack.running) return [...lines, `local stack: not running (home ${stack.home})`].join('\n');
  lines.push(`local stack: ${stack.healthy ? 'healthy' : 'UNHEALTHY'} (started ${stack.startedAt ?? '?'})`);
  lines.push(
    renderTable(
      ['process', 'alive', 'healthy'],
      stack.emulators.map((e) => [e.name, e.alive ? 'yes' : 'NO', e.healthy ? 'yes' : 'NO']),
    ),
  );
  lines.push(`discarded batches (on-failure destination): ${stack.failureRecords}`);
  for (const consumer of stack.consumers)
    lines.push(`${consumer.functionName}: ${consumer.failureRecords} discarded batches`);
  const shards = stack.stream?.shards ?? [];
  const behind = shards.reduce((sum, shard) => sum + shard.records, 0);
  if (stack.stream !== null)
    lines.push(
      `stream ${stack.stream.name}: ${behind}${shards.some((s) => s.capped) ? '+' : ''} records not yet processed`,
    );
  return lines.join('\n');
};

export const registerStatus = (program: Command): void => {
  program
    .command('status')
    .description(
      "a deployed stage's CloudWatch alarm states (DescribeAlarms by the ccb-<stage>- prefix); locally, the stack's own status",
    )
    .option('--stage <stage>', 'local, or a deployed stage', 'local')
    .option('--json', 'machine-readable output')
    .action(async (options: { stage: string; json?: boolean }) => {
      if (options.stage === 'local') {
        const local: LocalStatus = {
          stage: 'local',
          cloudwatch: null,
          note: LOCAL_NOTE,
          stack: await stackStatus(),
        };
        console.log(options.json ? JSON.stringify(local, null, 2) : renderLocalStatus(local));
        return;
      }
      const client = new CloudWatchClient({ region: process.env.AWS_REGION ?? 'us-east-1' });
      const status = await readAlarmStates(options.stage, client);
      console.log(options.json ? JSON.stringify(status, null, 2) : renderStageStatus(status));
      if ((status.summary.ALARM ?? 0) > 0) process.exitCode = 1;
    });
};
