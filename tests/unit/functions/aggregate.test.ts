import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { padSequence } from '../../../functions/adapters/dynamodb/dynamodb-spend-store';
import { eventPosition } from '../../../functions/core/events/record-payloads';
import { aBatch, aV2Event } from '../../helpers/cost-events';
import { aKinesisEvent, aLambdaContext } from '../../helpers/lambda';

const ddb = mockClient(DynamoDBDocumentClient);
const env = {
  SPEND_TABLE_NAME: 'ccb-test-spend',
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

describe('aggregate handler', () => {
  beforeAll(async () => {
    Object.assign(process.env, env);
    ({ handler } = await import('../../../functions/aggregate'));
  });

  afterAll(() => {
    for (const name of Object.keys(env)) delete process.env[name];
    ddb.restore();
  });

  beforeEach(() => {
    ddb.reset();
  });

  it('writes one conditional update per distinct item and reports no failure', async () => {
    // Prepare
    ddb.on(UpdateCommand).resolves({});
    const records = aBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]);

    // Act
    const response = await handler(aKinesisEvent(records), aLambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const updates = ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input);
    expect(updates).toHaveLength(4);
    expect(updates.map((u) => u.Key?.pk).sort()).toEqual([
      'DAY#2025-03-15',
      'HOUR#2025-03-15',
      'Q15#2025-03-15',
      'SESSION#sess-xyz789',
    ]);
    for (const update of updates) {
      expect(update.TableName).toBe('ccb-test-spend');
      expect(update.ConditionExpression).toBeDefined();
    }
  });

  it('quarantines a poison record in the quarantine table and keeps the batch going', async () => {
    ddb.on(UpdateCommand).resolves({});
    ddb.on(PutCommand).resolves({});
    const records = aBatch(['{oops', aV2Event()]);

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      TableName: 'ccb-test-quarantine',
      Item: {
        reason: 'malformed_json',
        sequence_number: records[0]?.sequenceNumber,
        payload_base64: Buffer.from('{oops').toString('base64'),
      },
    });
  });

  it('reports the first record of an item whose write kept failing, so the stream resumes there', async () => {
    const throttled = new ProvisionedThroughputExceededException({ message: 'slow down', $metadata: {} });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { pk: 'DAY#2025-03-15', sk: 'TOTAL' } }).rejects(throttled);
    const records = aBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]);

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]?.sequenceNumber }] });
  });

  it('treats an update its own earlier attempt already applied as done, not as a failure', async () => {
    // Prepare: DynamoDB answers every update with the item as an earlier attempt left it.
    const records = aBatch([aV2Event()]);
    const position = eventPosition(records[0]?.sequenceNumber ?? '', 0);
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: {
          'wm#shardId-000000000000': { S: padSequence(position) },
          'c#evt-0001': { S: `shardId-000000000000:${position}` },
        },
      }),
    );

    // Act
    const response = await handler(aKinesisEvent(records), aLambdaContext());

    // Assess: counted (its own claim), written once per item, nothing reported failed.
    expect(response).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(4);
  });

  it('counts nothing for an event whose id another record already claimed', async () => {
    const records = aBatch([aV2Event()]);
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: { 'c#evt-0001': { S: 'shardId-000000000000:1000000' } },
      }),
    );

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(ddb.commandCalls(UpdateCommand).map((call) => call.args[0].input.Key?.pk)).toEqual([
      'SESSION#sess-xyz789',
    ]);
  });
});
