import { type DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { HourlySpendRow } from '../../core/reporting/spend-breakdown';

export interface DayTotal {
  day: string;
  cost_nano: number;
  events: number;
}

/** Read side of the spend table: one Query per day for the hourly items, one GetItem for the total. */
export class DynamoDbSpendReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async hourly(day: string): Promise<HourlySpendRow[]> {
    const rows: HourlySpendRow[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `HOUR#${day}` },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) rows.push(...((page.Items ?? []) as HourlySpendRow[]));
    return rows;
  }

  async dayTotal(day: string): Promise<DayTotal> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: `DAY#${day}`, sk: 'TOTAL' },
        ConsistentRead: true,
      }),
    );
    return { day, cost_nano: Number(Item?.cost_nano ?? 0), events: Number(Item?.events ?? 0) };
  }
}
