import { createHash } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { QuarantinedRecord, QuarantineStore } from '../../core/ingest/ports';

/**
 * DynamoDB items stop at 400 KB. A record above this keeps its first bytes, its size and its SHA-256:
 * it is 16x the largest valid event, so it is garbage whose identity matters more than its tail.
 */
export const MAX_STORED_PAYLOAD_BYTES = 256 * 1024;

export const quarantineKey = (shardId: string, sequenceNumber: string, subSequence: number) => ({
  pk: `REC#${shardId}#${sequenceNumber}#${subSequence}`,
});

export class DynamoDbQuarantineStore implements QuarantineStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(record: QuarantinedRecord): Promise<void> {
    const truncated = record.data.byteLength > MAX_STORED_PAYLOAD_BYTES;
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...quarantineKey(record.shardId, record.sequenceNumber, record.subSequence),
          sub_sequence: record.subSequence,
          shard_id: record.shardId,
          sequence_number: record.sequenceNumber,
          partition_key: record.partitionKey,
          arrived_at: record.arrivedAt,
          reason: record.reason,
          detail: record.detail,
          schema_version: record.schemaVersion,
          payload_base64: Buffer.from(record.data.subarray(0, MAX_STORED_PAYLOAD_BYTES)).toString('base64'),
          payload_bytes: record.data.byteLength,
          payload_sha256: createHash('sha256').update(record.data).digest('hex'),
          truncated,
        },
      }),
    );
  }
}
