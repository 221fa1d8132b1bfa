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

  it("names each policy once, sorted, from its entries' keys on every page", async () => {
    // Prepare
    dynamodb
      .on(QueryCommand)
      .resolvesOnce({
        Items: [{ sk: 'shadow-tight#ladder-2025-03-15-cache_aggressive' }, { sk: 'shadow-late#forecast-1' }],
        LastEvaluatedKey: { pk: 'SHADOW', sk: 'shadow-late#forecast-1' },
      })
      .resolvesOnce({ Items: [{ sk: 'shadow-tight#ladder-2025-03-15-emergency' }, { sk: 'unexpected' }] });

    // Act
    const names = await new DynamoDbShadowLedger(client, TABLE).policies();

    // Assess
    expect(names).toEqual(['late', 'tight']);
    expect(dynamodb.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
      TableName: TABLE,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': 'SHADOW' },
      ProjectionExpression: 'sk',
    });
  });

  it('names none when no shadow ran', async () => {
    dynamodb.on(QueryCommand).resolves({ Items: [] });

    expect(await new DynamoDbShadowLedger(client, TABLE).policies()).toEqual([]);
  });
});
