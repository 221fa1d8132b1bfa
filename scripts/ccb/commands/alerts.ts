import type { Command } from 'commander';
import { DynamoDbIncidentStore } from '../../../functions/adapters/dynamodb/dynamodb-incident-store';
import type { Incident } from '../../../functions/core/breaker/incidents';
import { formatUsd } from '../../../functions/core/money';
import { openStage, type StageContext } from '../../lib/stage';
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

/** One incident as `ccb alerts` lists it: what it is about, its state and what it counted. */
export interface IncidentRow {
  day: string;
  check: string;
  subject: string;
  state: Incident['state'];
  severity: string;
  opened_at: string;
  last_event_at: string;
  messages: number;
  last_message: string;
  calls: number;
  sessions: number;
  spend_nano: number;
  largest: number;
  /** Counted since the last message, reported in the next one. */
  pending_calls: number;
}

export const readIncidents = async (context: StageContext, day?: string): Promise<IncidentRow[]> => {
  const store = new DynamoDbIncidentStore(context.dynamodb, context.resources.breakerTable);
  const days = day === undefined ? await store.list() : [await store.load(day)];
  return days.flatMap((d) =>
    Object.values(d.incidents)
      .sort((a, b) => a.opened_at.localeCompare(b.opened_at) || a.key.localeCompare(b.key))
      .map((i) => ({
        day: i.day,
        check: i.check,
        subject: i.subject,
        state: i.state,
        severity: i.severity,
        opened_at: i.opened_at,
        last_event_at: i.last_event_at,
        messages: i.last_message.seq,
        last_message: `${i.last_message.kind} at ${i.last_message.at}`,
        calls: i.total.calls,
        sessions: i.total.sessions,
        spend_nano: i.total.spend_nano,
        largest: i.total.largest,
        pending_calls: i.pending.calls,
      })),
  );
};

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
