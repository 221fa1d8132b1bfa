import type { Command } from 'commander';
import { openStage } from '../../lib/stage';
import { renderTable } from '../../lib/table';
import { awsStandInPaths } from '../../local/aws/server';
import { readPublishedMessages } from '../../local/aws/sns';

export interface ReceivedAlert {
  message_id: string;
  published_at: string;
  severity: string;
  check: string;
  alert_key: string;
  subject: string;
  body: unknown;
}

/** What FinOps received: the local SNS stand-in keeps every message it accepted. */
export const readAlerts = async (home: string, topicArn: string): Promise<ReceivedAlert[]> => {
  const messages = await readPublishedMessages(awsStandInPaths(home).snsMessages);
  return messages
    .filter((m) => m.topicArn === topicArn)
    .map((m) => ({
      message_id: m.messageId,
      published_at: m.timestamp,
      severity: m.messageAttributes.severity?.StringValue ?? '',
      check: m.messageAttributes.check?.StringValue ?? '',
      alert_key: m.messageAttributes.alert_key?.StringValue ?? '',
      subject: m.subject ?? '',
      body: JSON.parse(m.message) as unknown,
    }));
};

export const renderAlerts = (alerts: ReceivedAlert[]): string =>
  alerts.length === 0
    ? 'No alerts published.'
    : renderTable(
        ['published at', 'severity', 'check', 'subject'],
        alerts.map((a) => [a.published_at, a.severity, a.check, a.subject]),
      );

export const registerAlerts = (program: Command): void => {
  program
    .command('alerts')
    .description('alerts published to the FinOps topic (local stack: every message the SNS stand-in kept)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const context = await openStage('local');
      const alerts = await readAlerts(context.home ?? '', context.resources.alertsTopicArn);
      console.log(options.json ? JSON.stringify({ alerts }, null, 2) : renderAlerts(alerts));
    });
};
