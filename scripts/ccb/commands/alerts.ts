import type { Command } from 'commander';
import { formatUsd } from '../../../functions/core/money';
import { type IncidentRow, readIncidents } from '../../lib/readers/incidents';
import { type ReceivedAlert, readAlerts } from '../../lib/readers/published-alerts';
import { openStage } from '../../lib/stage';
import { renderTable } from '../../lib/table';

export const renderAlerts = (alerts: ReceivedAlert[]): string =>
  alerts.length === 0
    ? 'No alerts published.'
    : renderTable(
        ['published at', 'severity', 'check', 'subject'],
        alerts.map((a) => [a.published_at, a.severity, a.check, a.subject]),
      );

export const renderIncidents = (incidents: IncidentRow[]): string =>
  incidents.length === 0
    ? 'No incidents.'
    : renderTable(
        [
          'day',
          'check',
          'subject',
          'state',
          'messages',
          'last message',
          'calls',
          'sessions',
          'spend',
          'largest',
          'pending',
        ],
        incidents.map((i) => [
          i.day,
          i.check,
          i.subject,
          i.state,
          String(i.messages),
          i.last_message,
          String(i.calls),
          String(i.sessions),
          `$${formatUsd(i.spend_nano, 4)}`,
          String(i.largest),
          String(i.pending_calls),
        ]),
      );

export const registerAlerts = (program: Command): void => {
  program
    .command('alerts')
    .description(
      'the incidents with their counts and state, and the alerts published to the FinOps topic (local stack: every message the SNS stand-in kept)',
    )
    .option(
      '--stage <stage>',
      'local, or a deployed stage (incidents only: SNS keeps no messages to read)',
      'local',
    )
    .option('--day <day>', 'incidents of one UTC day (YYYY-MM-DD) only')
    .option('--json', 'machine-readable output')
    .action(async (options: { stage: string; day?: string; json?: boolean }) => {
      const context = await openStage(options.stage);
      const incidents = await readIncidents(context, options.day);
      const alerts =
        context.home === undefined ? [] : await readAlerts(context.home, context.resources.alertsTopicArn);
      console.log(
        options.json
          ? JSON.stringify({ incidents, alerts }, null, 2)
          : `${renderIncidents(incidents)}\n\n${renderAlerts(alerts)}`,
      );
    });
};
