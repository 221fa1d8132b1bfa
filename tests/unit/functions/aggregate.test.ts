import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { padSequence } from '../../../functions/adapters/dynamodb/dynamodb-spend-store';
import { eventPosition } from '../../../functions/core/events/record-payloads';
import type { Positioned } from '../../../functions/core/ingest/batch-model';
import { encodeLogItem, planLogEntries } from '../../../functions/core/ingest/claims-log';
import { aBatch, aV2Event } from '../../helpers/cost-events';
import { aKinesisEvent, aLambdaContext } from '../../helpers/lambda';

const ddb = mockClient(DynamoDBDocumentClient);
const sfn = mockClient(SFNClient);
const env = {
  SPEND_TABLE_NAME: 'ccb-test-spend',
  SPEND_SOURCE: 'producer',
  BREAKER_TABLE_NAME: 'ccb-test-breaker',
  ESCALATE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:ccb-test-escalate',
  RESTORE_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:ccb-test-restore',
  DAILY_BUDGET_USD: '5000',
  QUARANTINE_TABLE_NAME: 'ccb-test-quarantine',
  POWERTOOLS_SERVICE_NAME: 'ccb-aggregate',
  POWERTOOLS_METRICS_NAMESPACE: 'CostCircuitBreaker',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'us-east-1',
};
type Handler = typeof import('../../../functions/aggregate').handler;
let handler: Handler;

// The handler keeps each shard's claims in module scope: every test uses a shard of its own (a cold start).
let shards = 0;
const aShardBatch = (payloads: unknown[]) => {
  shards += 1;
  return aBatch(payloads, { shardId: `shardId-${String(shards).padStart(12, '0')}` });
};

/** The attributes an update's SET clause assigns, by name. */
const assigned = (input: {
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}) =>
  Object.fromEntries(
    [...(input.UpdateExpression ?? '').matchAll(/(#n\d+) = (:v\d+)/g)].map(([, name = '', value = '']) => [
      input.ExpressionAttributeNames?.[name],
      input.ExpressionAttributeValues?.[value],
    ]),
  );

/** The claims log item an earlier attempt (or another record) left for these event ids at these positions. */
const aLogItem = (shardId: string, claims: { eventId: string; position: string }[]) => {
  const positioned = claims.map(({ eventId, position }) => ({
    sequence: position,
    record: { shardId, sequenceNumber: position.slice(0, -5), arrivedAt: Date.now(), partitionKey: 'pk' },
    event: { ...aV2Event(), eventId, sessionId: 'sess-xyz789', costNano: 8_400_000, occurredAt: 0 },
  })) as unknown as Positioned[];
  const item = encodeLogItem(planLogEntries(shardId, positioned)[0] as never, 2_000_000_000);
  return {
    pk: `CLAIMS#${shardId}`,
    sk: padSequence(item.firstPosition),
    arrived_at: item.arrivedAt,
    expires_at: item.expiresAt,
    claims: item.claims,
    body: item.body,
  };
};

describe('aggregate handler', () => {
  beforeAll(async () => {
    Object.assign(process.env, env);
    ({ handler } = await import('../../../functions/aggregate'));
  });

  afterAll(() => {
    for (const name of Object.keys(env)) delete process.env[name];
    ddb.restore();
    sfn.restore();
  });

  beforeEach(() => {
    ddb.reset();
    sfn.reset();
    sfn.on(StartExecutionCommand).resolves({ executionArn: 'arn:execution' });
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [] });
    ddb.on(PutCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
  });

  it('logs the claims in one put, then writes one conditional update per distinct item', async () => {
    // Prepare
    const records = aShardBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]);

    // Act
    const response = await handler(aKinesisEvent(records), aLambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const query = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(query).toMatchObject({ TableName: 'ccb-test-spend', ConsistentRead: true });
    const puts = ddb.commandCalls(PutCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(1);
    expect(puts[0]).toMatchObject({
      TableName: 'ccb-test-spend',
      Item: {
        pk: `CLAIMS#${records[0]?.shardId}`,
        sk: padSequence(eventPosition(records[0]?.sequenceNumber ?? '', 0)),
        claims: 2,
      },
      ConditionExpression: 'attribute_not_exists(pk)',
    });
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    // Two events at $0.0084 stay under the $0.05 at which a session is persisted.
    expect(updates.map((u) => u.Key?.pk).sort()).toEqual([
      'DAY#2025-03-15',
      'HOUR#2025-03-15',
      'Q15#2025-03-15',
    ]);
    for (const update of updates) {
      expect(update.TableName).toBe('ccb-test-spend');
      expect(update.ConditionExpression).toBeDefined();
    }
    const order = ddb.calls().map((call) => call.args[0].constructor.name);
    expect(order.indexOf('PutCommand')).toBeLessThan(order.indexOf('UpdateCommand'));
  });

  it('quarantines a poison record in the quarantine table and keeps the batch going', async () => {
    const records = aShardBatch(['{oops', aV2Event()]);

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const put = ddb
      .commandCalls(PutCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.TableName === 'ccb-test-quarantine');
    expect(put).toMatchObject({
      Item: {
        reason: 'malformed_json',
        sequence_number: records[0]?.sequenceNumber,
        payload_base64: Buffer.from('{oops').toString('base64'),
      },
    });
  });

  it('persists the running cost of a session once it reaches $0.05', async () => {
    const records = aShardBatch([1, 2, 3, 4, 5, 6].map((n) => aV2Event({ event_id: `t${n}` })));

    await handler(aKinesisEvent(records), aLambdaContext());

    const session = ddb
      .commandCalls(UpdateCommand)
      .map((call) => call.args[0].input)
      .find((input) => input.Key?.pk === 'SESSION#sess-xyz789');
    expect(session && assigned(session)).toMatchObject({
      session_id: 'sess-xyz789',
      cost_nano: 6 * 8_400_000,
      events: 6,
      intents: ['recommendation'],
    });
  });

  it('reports the first record of an item whose write kept failing, so the stream resumes there', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(UpdateCommand, { Key: { pk: 'DAY#2025-03-15', sk: 'TOTAL' } }).rejects(throttled);
    const records = aShardBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]);

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]?.sequenceNumber }] });
  });

  it('writes no spend when the claims cannot be logged, and resumes at the first record', async () => {
    ddb
      .on(PutCommand)
      .rejects(new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} }));
    const records = aShardBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]);

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]?.sequenceNumber }] });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('counts an event its own earlier attempt logged, and treats its applied updates as done', async () => {
    // Prepare: the log holds the claim, and DynamoDB answers every update with the item as the attempt left it.
    const records = aShardBatch([aV2Event()]);
    const shardId = records[0]?.shardId ?? '';
    const position = eventPosition(records[0]?.sequenceNumber ?? '', 0);
    ddb.on(QueryCommand).resolves({ Items: [aLogItem(shardId, [{ eventId: 'evt-0001', position }])] });
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { [`wm#${shardId}`]: { S: padSequence(position) } },
      }),
    );

    // Act
    const response = await handler(aKinesisEvent(records), aLambdaContext());

    // Assess: counted (its own claim), no new claim, written once per item, nothing reported failed.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(3);
  });

  it('counts nothing for an event whose id another record already claimed', async () => {
    const records = aShardBatch([aV2Event()]);
    const shardId = records[0]?.shardId ?? '';
    ddb.on(QueryCommand).resolves({
      Items: [aLogItem(shardId, [{ eventId: 'evt-0001', position: eventPosition('1000', 0) }])],
    });

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(PutCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('starts the escalate workflow, named by its trigger, when the batch takes the day past a rung', async () => {
    // Prepare: the day's total as read back after the batch: $4,300 of $5,000 (86%).
    ddb.on(GetCommand, { TableName: 'ccb-test-spend' }).resolves({ Item: { cost_nano: 4_300 * 1e9 } });
    const records = aShardBatch([
      aV2Event({ event_id: 'over', occurred_at: Date.parse('2025-03-15T23:59:00.000Z') }),
    ]);

    // Act
    const response = await handler(aKinesisEvent(records), aLambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const started = sfn.commandCalls(StartExecutionCommand).map((call) => call.args[0].input);
    expect(started).toEqual([
      expect.objectContaining({
        stateMachineArn: env.ESCALATE_STATE_MACHINE_ARN,
        name: 'ladder-2025-03-15-cost_saving',
      }),
    ]);
    expect(JSON.parse(started[0]?.input ?? '{}')).toMatchObject({
      trigger: { check: 'budget_ladder', to_mode: 'cost_saving', event_time: '2025-03-15T23:59:00.000Z' },
    });
  });

  it('does not fail the batch when the breaker cannot be reached: the spend is already written', async () => {
    ddb.on(GetCommand, { TableName: 'ccb-test-spend' }).resolves({ Item: { cost_nano: 4_300 * 1e9 } });
    sfn.on(StartExecutionCommand).rejects(new Error('Step Functions unavailable'));
    const records = aShardBatch([
      aV2Event({ event_id: 'late', occurred_at: Date.parse('2025-03-15T23:59:00.000Z') }),
    ]);

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(UpdateCommand).length).toBeGreaterThan(0);
  });
});
