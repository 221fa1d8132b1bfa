import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Command } from 'commander';
import { alarmPrefix, readAlarmStates, type StageStatus } from '../../lib/readers/alarm-states';
import { renderTable } from '../../lib/table';
import { type StackStatus, stackStatus } from '../../local/stack';

export interface LocalStatus {
  stage: 'local';
  cloudwatch: null;
  note: string;
  stack: StackStatus;
}

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
