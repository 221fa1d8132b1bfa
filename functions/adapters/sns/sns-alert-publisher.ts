import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { AlertMessage, AlertPublisher } from '../../core/breaker/ports';
import { rethrowTransient } from '../transient';

/** Publishes an alert with its attributes as String message attributes, for subscription filters. */
export class SnsAlertPublisher implements AlertPublisher {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: AlertMessage): Promise<string> {
    const { MessageId } = await this.client
      .send(
        new PublishCommand({
          TopicArn: this.topicArn,
          Subject: alert.subject,
          Message: JSON.stringify(alert.body),
          MessageAttributes: Object.fromEntries(
            Object.entries(alert.attributes).map(([name, value]) => [
              name,
              { DataType: 'String', StringValue: value },
            ]),
          ),
        }),
      )
      .catch(rethrowTransient);
    return MessageId ?? '';
  }
}
