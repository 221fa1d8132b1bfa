import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbShadowLedger } from '../../../../functions/adapters/dynamodb/dynamodb-shadow-ledger';

const dynamodb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'ccb-test-ledger';

describe('the shadow ledger', () => {
  beforeEach(() => {
    dynamodb.reset();
  });

  it("names each policy once, sorted, from its entries' keys on every page, with its entries from the same read", async () => {
    // Prepare
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [
          { sk: 'shadow-tight#ladder-2025-03-15-cache_aggressive', recorded_at: '2025-03-15T10:00:00Z' },
          { sk: 'shadow-late#forecast-1', recorded_at: '2025-03-15T09:00:00Z' },
        ],
        LastEvaluatedKey: { pk: 'SHADOW', sk: 'shadow-late#forecast-1' },
      })
      .resolvesOnce({
        Items: [
          { sk: 'shadow-tight#ladder-2025-03-15-emergency', recorded_at: '2025-03-15T08:00:00Z' },
          { sk: 'unexpected', recorded_at: '2025-03-15T07:00:00Z' },
        ],
      });

    // Act
    const policies = await new DynamoDbShadowLedger(client, TABLE).byPolicy();
    const names = policies.map((p) => p.name);

    // Assess
    expect(names).toEqual(['late', 'tight']);
    // Each policy's entries come from the same read, oldest first, without their keys.
    expect(policies[1]?.entries.map((e) => e.recorded_at)).toEqual([
      '2025-03-15T08:00:00Z',
      '2025-03-15T10:00:00Z',
    ]);
    expect(policies[1]?.entries[0]).not.toHaveProperty('sk');
    expect(dynamodb.commandCalls(QueryCommand)).toHaveLength(2);
    expect(dynamodb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'SHADOW' },
    });
  });

  it('names none when no shadow ran', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [] });

    expect(await new DynamoDbShadowLedger(client, TABLE).byPolicy()).toEqual([]);
  });
});
