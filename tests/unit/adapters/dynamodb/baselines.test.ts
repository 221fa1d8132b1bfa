import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbBaselineStore } from '../../../../functions/adapters/dynamodb/dynamodb-baseline-store';
import { DynamoDbSpendSnapshotSource } from '../../../../functions/adapters/dynamodb/dynamodb-spend-snapshot';
import type { HourBaseline } from '../../../../functions/core/analytics/ports';

const dynamodb = mockClient(DynamoDBDocumentClient);
const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'us-east-1' }));
const TABLE = 'ccb-test-spend';

const baseline = (hour: number): HourBaseline => ({
  hour,
  for_day: '2025-03-15',
  avg_7d_nano: 1_500_000,
  days_7d: 7,
  avg_28d_nano: 2_000_000,
  days_28d: 28,
  computed_at: '2025-03-15T00:20:00.000Z',
});

describe('the stored baselines in the spend table', () => {
  beforeEach(() => {
    dynamodb.reset();
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    dynamodb.on(GetCommand).resolves({});
    dynamodb
      .on(GetCommand, { Key: { pk: 'DAY#2025-03-15', sk: 'TOTAL' } })
      .resolves({ Item: { cost_nano: 9 } });
  });

  it('are written one item per hour under pk BASELINE, sk HH', async () => {
    dynamodb.on(PutCommand).resolves({});

    await new DynamoDbBaselineStore(client, TABLE).put([baseline(0), baseline(14)]);

    expect(dynamodb.commandCalls(PutCommand).map((c) => c.args[0].input)).toEqual([
      { TableName: TABLE, Item: { pk: 'BASELINE', sk: '00', ...baseline(0) } },
      { TableName: TABLE, Item: { pk: 'BASELINE', sk: '14', ...baseline(14) } },
    ]);
  });

  it("are read into the check's snapshot for the hour it is judged at, and reused for a minute", async () => {
    // Prepare
    let now = 0;
    dynamodb
      .on(GetCommand, { Key: { pk: 'BASELINE', sk: '14' } })
      .resolves({ Item: { pk: 'BASELINE', sk: '14', ...baseline(14) } });
    const source = new DynamoDbSpendSnapshotSource(client, TABLE, { clock: { now: () => now } });
    const at = Date.parse('2025-03-15T14:20:00.000Z');

    // Act
    const first = await source.snapshot('2025-03-15', at, 7);
    now += 59_000;
    await source.snapshot('2025-03-15', at, 7);
    now += 2_000;
    await source.snapshot('2025-03-15', at, 7);

    // Assess
    expect(first).toMatchObject({ spentNano: 9, warehouseBaseline: baseline(14) });
    const baselineReads = dynamodb
      .commandCalls(GetCommand)
      .filter((c) => c.args[0].input.Key?.pk === 'BASELINE');
    expect(baselineReads).toHaveLength(2);
  });

  it('leave the snapshot without one before the baselines function first ran, or when the item is malformed', async () => {
    dynamodb
      .on(GetCommand, { Key: { pk: 'BASELINE', sk: '03' } })
      .resolves({ Item: { pk: 'BASELINE', hour: 'x' } });
    const source = new DynamoDbSpendSnapshotSource(client, TABLE);

    const noItem = await source.snapshot('2025-03-15', Date.parse('2025-03-15T14:00:00.000Z'), 7);
    const malformed = await source.snapshot('2025-03-15', Date.parse('2025-03-15T03:00:00.000Z'), 7);

    expect(noItem.warehouseBaseline).toBeUndefined();
    expect('warehouseBaseline' in malformed).toBe(false);
  });
});
