import { type DynamoDBDocumentClient, PutCommand, paginateQuery } from '@aws-sdk/lib-dynamodb';
import type { LedgerEntry } from '../../core/breaker/ledger';
import { rethrowTransient } from '../transient';

/**
 * Shadow policies' entries, in the ledger table under their own partition (pk SHADOW): the aggregate may
 * put there and nowhere else in the ledger (IAM LeadingKeys), and the live ledger's readers never see
 * them. Write-once like every ledger item.
 */
export const SHADOW_PK = 'SHADOW';

export class DynamoDbShadowLedger {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(entry: LedgerEntry): Promise<'appended' | 'exists'> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { pk: SHADOW_PK, sk: entry.entry_id, ...entry },
          ConditionExpression: 'attribute_not_exists(sk)',
        }),
      );
      return 'appended';
    } catch (error) {
      if (error instanceof Error && error.name === 'ConditionalCheckFailedException') return 'exists';
      return rethrowTransient(error);
    }
  }

  /** Every shadow entry of one policy, oldest first by the time it was recorded. */
  async entries(policy: string): Promise<LedgerEntry[]> {
    const items = await this.query('pk = :pk AND begins_with(sk, :prefix)', {
      ':prefix': `shadow-${policy}#`,
    });
    return oldestFirst(items.map(({ entry }) => entry));
  }

  /**
   * Every policy with at least one entry, sorted by name, each with its entries oldest first: one read
   * of the partition. The name comes from the key (`shadow-<name>#...`, a name has no `#`), so a reader
   * needs no stage parameter to know which shadows ran.
   */
  async byPolicy(): Promise<{ name: string; entries: LedgerEntry[] }[]> {
    const grouped = new Map<string, LedgerEntry[]>();
    for (const { sk, entry } of await this.query('pk = :pk')) {
      const name = /^shadow-([^#]+)#/.exec(sk)?.[1];
      if (name !== undefined) grouped.set(name, [...(grouped.get(name) ?? []), entry]);
    }
    return [...grouped]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, entries]) => ({ name, entries: oldestFirst(entries) }));
  }

  private async query(keyCondition: string, values: Record<string, string> = {}) {
    const items: { sk: string; entry: LedgerEntry }[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: keyCondition,
        ExpressionAttributeValues: { ':pk': SHADOW_PK, ...values },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const { pk: _pk, sk, ...entry } of page.Items ?? [])
        items.push({ sk: String(sk), entry: entry as LedgerEntry });
    return items;
  }
}

const oldestFirst = (entries: LedgerEntry[]): LedgerEntry[] =>
  entries.sort((a, b) => a.recorded_at.localeCompare(b.recorded_at));
