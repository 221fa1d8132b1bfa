import { type DynamoDBDocumentClient, GetCommand, PutCommand, paginateScan } from '@aws-sdk/lib-dynamodb';
import { emptyIncidentDay, type IncidentDay } from '../../core/breaker/incidents';
import type { IncidentStore } from '../../core/breaker/ports';
import { rethrowTransient } from '../transient';

/** The prefix of the incident items' keys; the writers' IAM is limited to keys that start with it. */
export const INCIDENT_KEY_PREFIX = 'INCIDENTS#';

const keyOf = (day: string) => ({ pk: `${INCIDENT_KEY_PREFIX}${day}` });

/**
 * One item per UTC day in the breaker state table (`pk = INCIDENTS#<day>`), beside the state item:
 * a put conditioned on the version read, so concurrent evaluators serialise like the state's writers.
 */
export class DynamoDbIncidentStore implements IncidentStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async load(day: string): Promise<IncidentDay> {
    const { Item } = await this.client
      .send(new GetCommand({ TableName: this.table, Key: keyOf(day), ConsistentRead: true }))
      .catch(rethrowTransient);
    if (Item === undefined) return emptyIncidentDay(day);
    const { pk: _pk, ...stored } = Item;
    return stored as IncidentDay;
  }

  async save(next: IncidentDay, expectedVersion: number): Promise<'saved' | 'conflict'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keyOf(next.day), ...next },
          ConditionExpression: expectedVersion === 0 ? 'attribute_not_exists(pk)' : 'version = :v',
          ...(expectedVersion !== 0 && { ExpressionAttributeValues: { ':v': expectedVersion } }),
        }),
      );
      return 'saved';
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return 'conflict';
      return rethrowTransient(error);
    }
  }

  async list(): Promise<IncidentDay[]> {
    const days: IncidentDay[] = [];
    const pages = paginateScan(
      { client: this.client },
      {
        TableName: this.table,
        FilterExpression: 'begins_with(pk, :p)',
        ExpressionAttributeValues: { ':p': INCIDENT_KEY_PREFIX },
      },
    );
    for await (const page of pages) {
      for (const { pk: _pk, ...stored } of page.Items ?? []) days.push(stored as IncidentDay);
    }
    return days.sort((a, b) => a.day.localeCompare(b.day));
  }
}
