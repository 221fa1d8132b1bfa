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
