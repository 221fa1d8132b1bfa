import { FirehoseClient, PutRecordBatchCommand, ServiceUnavailableException } from '@aws-sdk/client-firehose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import type { ArchivedEvent } from '../../../functions/core/analytics/archived-event';
import { aBatch, aPackedBatch, aV2Event } from '../../helpers/cost-events';
import { aKinesisEvent, aLambdaContext } from '../../helpers/lambda';

const firehose = mockClient(FirehoseClient);
const env = {
  ARCHIVE_DELIVERY_STREAM_NAME: 'ccb-test-archive',
  SPEND_SOURCE: 'producer',
  POWERTOOLS_SERVICE_NAME: 'ccb-archive',
  POWERTOOLS_METRICS_NAMESPACE: 'CostCircuitBreaker',
  POWERTOOLS_TRACE_ENABLED: 'false',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  AWS_REGION: 'us-east-1',
};
type Handler = typeof import('../../../functions/archive').handler;
let handler: Handler;

const archived = (): ArchivedEvent[] =>
  firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((call) => call.args[0].input.Records ?? [])
    .map(
      (record) => JSON.parse(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8')) as ArchivedEvent,
    );

describe('archive handler', () => {
  beforeAll(async () => {
    Object.assign(process.env, env);
    ({ handler } = await import('../../../functions/archive'));
  });

  afterAll(() => {
    for (const name of Object.keys(env)) delete process.env[name];
    firehose.restore();
  });

  beforeEach(() => {
    firehose.reset();
    firehose.on(PutRecordBatchCommand).callsFake((input: { Records: unknown[] }) => ({
      FailedPutCount: 0,
      RequestResponses: input.Records.map((_, i) => ({ RecordId: `r${i}` })),
    }));
  });

  it('sends the valid events of a batch to the delivery stream and reports no failure', async () => {
    // Prepare
    const records = aPackedBatch([[aV2Event({ event_id: 'a' }), '{bad', aV2Event({ event_id: 'b' })]], {
      gzip: true,
    });

    // Act
    const response = await handler(aKinesisEvent(records), aLambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(firehose.commandCalls(PutRecordBatchCommand)[0]?.args[0].input.DeliveryStreamName).toBe(
      'ccb-test-archive',
    );
    expect(archived().map((row) => [row.event_id, row.stream_position])).toEqual([
      ['a', `shardId-000000000000:${records[0]?.sequenceNumber}00000`],
      ['b', `shardId-000000000000:${records[0]?.sequenceNumber}00002`],
    ]);
  });

  it('reports the first record as failed when Firehose is down, so its own mapping retries the batch', async () => {
    // Prepare
    firehose
      .on(PutRecordBatchCommand)
      .rejects(new ServiceUnavailableException({ message: 'down', $metadata: { httpStatusCode: 503 } }));
    const records = aBatch([aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]);

    // Act
    const response = await handler(aKinesisEvent(records), aLambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: records[0]?.sequenceNumber }] });
  });

  it('answers a batch with no valid event without calling Firehose', async () => {
    const response = await handler(aKinesisEvent(aBatch(['{oops'])), aLambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });
});
