import {
  ConditionalCheckFailedException,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
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

  it('treats a failed watermark condition as already applied, not as a failure', async () => {
    const records = aBatch([aV2Event()]);
    const watermark = records[0]?.sequenceNumber.padStart(129, '0') ?? '';
    ddb.on(UpdateCommand).rejects(
      new ConditionalCheckFailedException({
        message: 'The conditional request failed',
        $metadata: {},
        Item: {
          'wm#shardId-000000000000': { S: watermark },
          'c#evt-0001': { S: `shardId-000000000000:${records[0]?.sequenceNumber}` },
        },
      }),
    );

    const response = await handler(aKinesisEvent(records), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
  });
});
