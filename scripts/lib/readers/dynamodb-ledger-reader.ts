import { type DynamoDBDocumentClient, GetCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../../functions/core/breaker/ledger';

/** Reads the ledger: all of it in the order entries were recorded (for `ccb audit`), or one entry. */
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

  /** The entry with this id, or undefined while it has not been written. */
  async entry(entryId: string): Promise<LedgerEntry | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { pk: 'LEDGER', sk: entryId }, ConsistentRead: true }),
    );
    if (Item === undefined) return undefined;
    const { pk: _pk, sk: _sk, ...entry } = Item;
    return entry as LedgerEntry;
  }
}
