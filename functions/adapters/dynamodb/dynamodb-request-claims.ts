import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RequestClaim, RequestClaims, RequestHolder } from '../../core/ingest/ports';

const REQUEST_PREFIX = 'REQUEST#';

/** The item that claims a request in the spend table. */
export const requestClaimKey = (requestId: string) => ({ pk: `${REQUEST_PREFIX}${requestId}`, sk: 'CLAIM' });

/**
 * Request claims in the spend table: one write-once item per request (`REQUEST#<requestId>`), put with
 * `attribute_not_exists` and expiring on the table's TTL. A put that finds the request held gets the
 * holder back with the failed condition (ReturnValuesOnConditionCheckFailure), so a claim costs one
 * write of about 150 bytes (1 WRU) whether it wins or not, and no read.
 */
export class DynamoDbRequestClaims implements RequestClaims {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: RequestClaim): Promise<RequestHolder> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...requestClaimKey(claim.requestId),
            shard_id: claim.shardId,
            position: claim.position,
            expires_at: claim.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { shardId: claim.shardId, position: claim.position };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const shardId = error.Item?.shard_id?.S;
      const position = error.Item?.position?.S;
      // A condition that failed without the item to show for it cannot be judged: fail the claim, retry.
      if (shardId === undefined || position === undefined) throw error;
      return { shardId, position };
    }
  }
}
