import { FirehoseClient, PutRecordBatchCommand, ServiceUnavailableException } from '@aws-sdk/client-firehose';
import { afterAll, beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { FirehoseArchiveSink } from '../../../../functions/adapters/firehose/firehose-archive-sink';
import type { ArchivedEvent } from '../../../../functions/core/analytics/archived-event';
import { ArchiveDeliveryError } from '../../../../functions/core/analytics/send-in-batches';
import { anArchivedEvent, archivedEvents } from '../../../helpers/archived-events';

const firehose = mockClient(FirehoseClient);
const STREAM = 'ccb-test-archive';
const noWait = { sleep: async () => {}, random: () => 0 };

/** The events of one PutRecordBatch call, decoded from its NDJSON records. */
const sentIn = (call: number): ArchivedEvent[] =>
  (firehose.commandCalls(PutRecordBatchCommand)[call]?.args[0].input.Records ?? []).map(
    (record) => JSON.parse(Buffer.from(record.Data ?? new Uint8Array()).toString('utf8')) as ArchivedEvent,
  );
const eventIds = (call: number): string[] => sentIn(call).map((event) => event.event_id);

/** A response rejecting the records at `rejected` (indexes within the call). */
const aResponse = (count: number, rejected: number[] = []) => ({
  FailedPutCount: rejected.length,
  Encrypted: false,
  RequestResponses: Array.from({ length: count }, (_, i) =>
    rejected.includes(i)
      ? { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' }
      : { RecordId: `record-${i}` },
  ),
});

describe('FirehoseArchiveSink', () => {
  const sink = new FirehoseArchiveSink(new FirehoseClient({ region: 'us-east-1' }), STREAM, noWait);

  beforeEach(() => {
    firehose.reset();
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: { Records: unknown[] }) => aResponse(input.Records.length));
  });

  afterAll(() => firehose.restore());

  it('puts one NDJSON line per event to the delivery stream, in batches of at most 500, in order', async () => {
    // Prepare
    const events = archivedEvents(1_001);

    // Act
    const result = await sink.send(events);

    // Assess
    expect(result).toEqual({ records: 1_001, batches: 3, retried: 0 });
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    expect(calls.map((call) => call.args[0].input.DeliveryStreamName)).toEqual([STREAM, STREAM, STREAM]);
    expect(calls.map((call) => call.args[0].input.Records?.length)).toEqual([500, 500, 1]);
    expect([0, 1, 2].flatMap(eventIds)).toEqual(events.map((event) => event.event_id));
    const first = Buffer.from(calls[0]?.args[0].input.Records?.[0]?.Data ?? new Uint8Array()).toString(
      'utf8',
    );
    expect(first).toBe(`${JSON.stringify(events[0])}\n`);
  });

  it('keeps each call under 4 MiB when events are large', async () => {
    // Prepare: ~12 KiB per line, so 500 lines would be ~6 MiB.
    const events = archivedEvents(500, { producer: 'p'.repeat(12 * 1024) });

    // Act
    const result = await sink.send(events);

    // Assess
    const calls = firehose.commandCalls(PutRecordBatchCommand);
    const bytes = calls.map((call) =>
      (call.args[0].input.Records ?? []).reduce((sum, record) => sum + (record.Data?.byteLength ?? 0), 0),
    );
    expect(result.batches).toBe(2);
    expect(Math.max(...bytes)).toBeLessThanOrEqual(4 * 1024 * 1024);
    expect(calls.reduce((sum, call) => sum + (call.args[0].input.Records?.length ?? 0), 0)).toBe(500);
  });

  it('resends only the records a partial failure rejected (FailedPutCount and ErrorCode) until they are accepted', async () => {
    // Prepare
    const events = archivedEvents(6);
    firehose
      .on(PutRecordBatchCommand)
      .resolvesOnce(aResponse(6, [1, 4]))
      .resolvesOnce(aResponse(2, [1]))
      .resolvesOnce(aResponse(1));

    // Act
    const result = await sink.send(events);

    // Assess
    expect(result).toEqual({ records: 6, batches: 1, retried: 3 });
    expect(eventIds(1)).toEqual(['evt-000001', 'evt-000004']);
    expect(eventIds(2)).toEqual(['evt-000004']);
  });

  it('throws an ArchiveDeliveryError naming the failed records when Firehose keeps rejecting them', async () => {
    // Prepare
    firehose
      .on(PutRecordBatchCommand)
      .callsFake((input: { Records: unknown[] }) => aResponse(input.Records.length, [0]));
    const patient = new FirehoseArchiveSink(new FirehoseClient({ region: 'us-east-1' }), STREAM, {
      ...noWait,
      retry: { maxAttempts: 3 },
    });

    // Act
    const sending = patient.send(archivedEvents(4));

    // Assess
    await expect(sending).rejects.toBeInstanceOf(ArchiveDeliveryError);
    await expect(sending).rejects.toThrow(
      /^1 archive record\(s\) could not be delivered \(still rejected after 3 attempts/,
    );
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(3);
  });

  it('throws an ArchiveDeliveryError with the cause when the delivery stream is unavailable', async () => {
    // Prepare
    const outage = new ServiceUnavailableException({ message: 'Firehose is down', $metadata: {} });
    firehose.on(PutRecordBatchCommand).rejects(outage);

    // Act
    const sending = sink.send([anArchivedEvent()]);

    // Assess
    await expect(sending).rejects.toMatchObject({
      name: 'ArchiveDeliveryError',
      delivered: 0,
      failed: 1,
      cause: outage,
    });
  });

  it('treats a response without per-record entries and no failures as all accepted', async () => {
    firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [] });

    await expect(sink.send(archivedEvents(3))).resolves.toEqual({ records: 3, batches: 1, retried: 0 });
  });
});
