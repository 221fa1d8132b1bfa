import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  type NativeAttributeValue,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ClaimsLog, ClaimsLogItem } from '../../core/ingest/ports';
import { padSequence, unpadSequence } from './dynamodb-spend-store';

const CLAIMS_PREFIX = 'CLAIMS#';

/** The partition of a shard's claims log in the spend table. */
export const claimsLogKey = (shardId: string): string => `${CLAIMS_PREFIX}${shardId}`;

const toItem = (stored: Record<string, NativeAttributeValue>): ClaimsLogItem => ({
  shardId: String(stored.pk).slice(CLAIMS_PREFIX.length),
  firstPosition: unpadSequence(String(stored.sk)),
  arrivedAt: Number(stored.arrived_at),
  expiresAt: Number(stored.expires_at),
  claims: Number(stored.claims),
  body: stored.body as Uint8Array,
});

/**
 * The claims log in the spend table: one partition per shard (`CLAIMS#<shardId>`), sorted by the padded
 * position of each item's first claim. Items are put once (`attribute_not_exists`), never updated, so a
 * put costs write units by its own size only; reads are strongly consistent queries.
 */
export class DynamoDbClaimsLog implements ClaimsLog {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async append(item: ClaimsLogItem): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: claimsLogKey(item.shardId),
            sk: padSequence(item.firstPosition),
            arrived_at: item.arrivedAt,
            expires_at: item.expiresAt,
            claims: item.claims,
            body: item.body,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async readAfter(shardId: string, afterPosition: string | undefined): Promise<ClaimsLogItem[]> {
    const items: ClaimsLogItem[] = [];
    const input: QueryCommandInput =
      afterPosition === undefined
        ? this.query('pk = :pk', { ':pk': claimsLogKey(shardId) })
        : this.query('pk = :pk AND sk > :after', {
            ':pk': claimsLogKey(shardId),
            ':after': padSequence(afterPosition),
          });
    for await (const page of paginateQuery({ client: this.client }, input)) {
      for (const stored of page.Items ?? []) items.push(toItem(stored));
    }
    return items;
  }

  async *readNewestFirst(shardId: string): AsyncIterable<ClaimsLogItem> {
    const input = {
      ...this.query('pk = :pk', { ':pk': claimsLogKey(shardId) }),
      ScanIndexForward: false,
    };
    for await (const page of paginateQuery({ client: this.client }, input)) {
      for (const stored of page.Items ?? []) yield toItem(stored);
    }
  }

  private query(condition: string, values: Record<string, string>): QueryCommandInput {
    return {
      TableName: this.tableName,
      KeyConditionExpression: condition,
      ExpressionAttributeValues: values,
      ConsistentRead: true,
    };
  }
}
