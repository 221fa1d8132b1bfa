import { type DynamoDBDocumentClient, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../core/breaker/ledger';

/** Reads the whole ledger in the order entries were recorded (for `ccb audit`). */
export class DynamoDbLedgerReader {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async entries(): Promise<LedgerEntry[]> {
    const entries: LedgerEntry[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': 'LEDGER' },
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const { pk: _pk, sk: _sk, ...entry } of page.Items ?? []) entries.push(entry as LedgerEntry);
    }
    return entries.sort(
      (a, b) => a.recorded_at.localeCompare(b.recorded_at) || a.entry_id.localeCompare(b.entry_id),
    );
  }
}
