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
    const entries: LedgerEntry[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': SHADOW_PK, ':prefix': `shadow-${policy}#` },
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const { pk: _pk, sk: _sk, ...entry } of page.Items ?? []) entries.push(entry as LedgerEntry);
    return entries.sort((a, b) => a.recorded_at.localeCompare(b.recorded_at));
  }

  /**
   * The names of the policies with at least one entry, sorted: read from the keys (`shadow-<name>#...`,
   * a name has no `#`), so a reader needs no stage parameter to know which shadows ran.
   */
  async policies(): Promise<string[]> {
    const names = new Set<string>();
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': SHADOW_PK },
        ProjectionExpression: 'sk',
        ConsistentRead: true,
      },
    );
    for await (const page of pages)
      for (const { sk } of page.Items ?? []) {
        const found = typeof sk === 'string' ? /^shadow-([^#]+)#/.exec(sk) : null;
        if (found?.[1] !== undefined) names.add(found[1]);
      }
    return [...names].sort();
  }
}
