import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import {
  DEFAULT_ATTRIBUTION_KEYS,
  decodeInvocationLog,
  openSubscriptionRecord,
  principalOf,
  redactedCopy,
} from '../../../../functions/core/events/invocation-log';
import { splitBatch } from '../../../../functions/core/ingest/split-batch';
import {
  canonicalModelId,
  DEFAULT_PRICE_TABLE,
  priceUsage,
} from '../../../../functions/core/pricing/price-table';
import {
  BODY_MARKER,
  controlMessageRecord,
  dataMessageRecord,
  toInvocationLog,
} from '../../../../scripts/scenarios/invocation-logs';
import { aBatch, aV2Event, HAIKU, SONNET } from '../../../helpers/cost-events';

const FIXTURE = readFileSync(
  new URL('../../../fixtures/invocation-logs/converse-cache-write.json', import.meta.url),
  'utf8',
);
const AT = Date.parse('2025-03-15T14:02:11Z');

const decode = (message: string) =>
  decodeInvocationLog(message, DEFAULT_ATTRIBUTION_KEYS, DEFAULT_PRICE_TABLE);
const logWith = (change: (log: Record<string, unknown>) => void): string => {
  const log = JSON.parse(FIXTURE) as Record<string, unknown>;
  change(log);
  return JSON.stringify(log);
};
const asRecords = (...data: Uint8Array[]) =>
  aBatch(data.map(() => '')).map((record, i) => ({ ...record, data: data[i] as Uint8Array }));

describe('openSubscriptionRecord', () => {
  it('reads every log event of a gzip DATA_MESSAGE, in order', () => {
    // Prepare
    const record = dataMessageRecord(['one', 'two', 'three'], AT);

    // Act
    const opened = openSubscriptionRecord(record);

    // Assess
    expect(opened).toEqual({ kind: 'data', messages: ['one', 'two', 'three'] });
  });

  it('recognises a CONTROL_MESSAGE', () => {
    expect(openSubscriptionRecord(controlMessageRecord())).toEqual({ kind: 'control' });
  });

  it('says a plain or non-envelope record is not an envelope', () => {
    expect(openSubscriptionRecord(Buffer.from('{"schema_version":"2.1"}'))).toEqual({
      kind: 'not_an_envelope',
    });
    expect(openSubscriptionRecord(gzipSync('{"schema_version":"2.1"}\n{}'))).toEqual({
      kind: 'not_an_envelope',
    });
  });

  it.each([
    ['a truncated gzip stream', gzipSync('{"messageType":"DATA_MESSAGE"}').subarray(0, 12)],
    ['broken envelope JSON', gzipSync('{"messageType":"DATA_MESSAGE",')],
    ['an unknown message type', gzipSync('{"messageType":"OTHER","logEvents":[]}')],
  ])('finds %s undecodable', (_name, data) => {
    expect(openSubscriptionRecord(data).kind).toBe('undecodable');
  });
});

describe('decodeInvocationLog', () => {
  it('maps a Converse log to a priced cost event: attribution from requestMetadata, base model, role name', () => {
    // Act
    const decoded = decode(FIXTURE);

    // Assess
    expect(decoded.ok).toBe(true);
    if (!decoded.ok) return;
    expect(decoded.event).toMatchObject({
      eventId: '3f1b9a7e-52c4-4a0e-9d7a-0c6f3e2b8d11',
      requestId: '3f1b9a7e-52c4-4a0e-9d7a-0c6f3e2b8d11',
      occurredAt: AT,
      intent: 'order_status',
      sessionId: 'sess-42',
      component: 'llm',
      language: 'en',
      modelId: SONNET,
      region: 'us-east-1',
      principal: 'support-bot',
      inputTokens: 212,
      outputTokens: 96,
      cacheReadTokens: 0,
      cacheWriteTokens: 1024,
      cacheWrite1hTokens: 512,
      schemaVersion: 'invocation-1.0',
    });
  });

  it('prices cache writes the response did not split at the 1-hour rate, never the cheaper one', () => {
    // Prepare
    const unsplit = logWith((log) => {
      const output = log.output as { outputBodyJson: { usage: Record<string, unknown> } };
      delete output.outputBodyJson.usage.cacheDetails;
    });

    // Act
    const decoded = decode(unsplit);

    // Assess
    const expected = priceUsage(
      SONNET,
      'us-east-1',
      {
        inputTokens: 212,
        outputTokens: 96,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 1536,
      },
      DEFAULT_PRICE_TABLE,
      AT,
    );
    expect(expected.estimated).toBe(false);
    expect(decoded).toMatchObject({
      ok: true,
      event: {
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 1536,
        costNano: expected.costNano,
      },
    });
    const split = decode(FIXTURE);
    expect(split.ok && decoded.ok && decoded.event.costNano > split.event.costNano).toBe(true);
  });

  it('gives the same cost as the producer event it renders, to the nano-dollar', () => {
    // Prepare
    const event = aV2Event({
      cache_read_tokens: 300,
      cache_write_tokens: 40,
      cache_write_1h_tokens: 25,
      model_id: HAIKU,
    });

    // Act
    const decoded = decode(JSON.stringify(toInvocationLog(event)));

    // Assess
    const usage = {
      inputTokens: 800,
      outputTokens: 400,
      cacheReadTokens: 300,
      cacheWriteTokens: 40,
      cacheWrite1hTokens: 25,
    };
    const expected = priceUsage(HAIKU, event.region, usage, DEFAULT_PRICE_TABLE, event.occurred_at);
    expect(decoded).toMatchObject({ ok: true, event: { costNano: expected.costNano, estimated: false } });
  });

  it('attributes a call without requestMetadata to unattributed on every dimension', () => {
    const decoded = decode(logWith((log) => delete log.requestMetadata));

    expect(decoded).toMatchObject({
      ok: true,
      event: {
        intent: 'unattributed',
        sessionId: 'unattributed',
        component: 'unattributed',
        language: 'unattributed',
      },
    });
  });

  it('attributes metadata the contract rejects to unattributed but still counts the call', () => {
    const decoded = decode(
      logWith((log) => {
        log.requestMetadata = {
          intent: 'Order Status',
          session_id: 'has space',
          component: 'gpu',
          language: 'fr',
        };
      }),
    );

    expect(decoded).toMatchObject({
      ok: true,
      event: {
        intent: 'unattributed',
        sessionId: 'unattributed',
        component: 'unattributed',
        language: 'unattributed',
      },
    });
  });

  it('reads attribution from the keys the stage names', () => {
    const keys = {
      intent: 'ccb-intent',
      session: 'conversation',
      component: 'ccb-component',
      language: 'lang',
    };
    const message = logWith((log) => {
      log.requestMetadata = {
        'ccb-intent': 'faq',
        conversation: 'c-9',
        'ccb-component': 'summarizer',
        lang: 'ja',
      };
    });

    const decoded = decodeInvocationLog(message, keys, DEFAULT_PRICE_TABLE);

    expect(decoded).toMatchObject({
      ok: true,
      event: { intent: 'faq', sessionId: 'c-9', component: 'summarizer', language: 'ja' },
    });
  });

  it.each([
    ['a bare model id', SONNET],
    ['a geographic profile id', `us.${SONNET}`],
    ['a foundation-model ARN', `arn:aws:bedrock:us-east-1::foundation-model/${SONNET}`],
    ['an inference-profile ARN', `arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.${SONNET}`],
  ])('maps %s through the catalog to its base model', (_name, modelId) => {
    const decoded = decodeInvocationLog(
      logWith((log) => (log.modelId = modelId)),
      DEFAULT_ATTRIBUTION_KEYS,
      DEFAULT_PRICE_TABLE,
    );

    expect(decoded).toMatchObject({ ok: true, event: { modelId: SONNET, estimated: false } });
    expect(canonicalModelId(modelId)).toBe(SONNET);
  });

  it.each([
    ['malformed JSON', '{"schemaVersion":', 'malformed_json'],
    ['another schema version', logWith((log) => (log.schemaVersion = '2.0')), 'unsupported_schema_version'],
    ['a missing requestId', logWith((log) => delete log.requestId), 'schema_violation'],
    [
      'a negative token count',
      logWith((log) => ((log.input as Record<string, unknown>).inputTokenCount = -1)),
      'schema_violation',
    ],
    [
      'a timestamp out of range',
      logWith((log) => (log.timestamp = '1999-01-01T00:00:00Z')),
      'invalid_timestamp',
    ],
  ])('rejects %s with its reason', (_name, message, reason) => {
    expect(decode(message)).toMatchObject({ ok: false, reason });
  });

  it('counts a call to a model the catalog does not know at a ceiling, flagged, never quarantined', () => {
    const decoded = decode(logWith((log) => (log.modelId = 'acme.unknown-model-v1')));
    expect(decoded).toMatchObject({
      ok: true,
      event: { modelId: 'acme.unknown-model-v1', estimated: true, estimateReason: 'unknown_model' },
    });
  });
});

describe('principalOf', () => {
  it.each([
    ['arn:aws:sts::123456789012:assumed-role/batch-summarizer/job-7731', 'batch-summarizer'],
    ['arn:aws:iam::123456789012:role/service-role/etl-runner', 'etl-runner'],
    ['arn:aws:iam::123456789012:user/alice@example.com', 'alice@example.com'],
    ['arn:aws:iam::123456789012:user/has space', 'unattributed'],
    [undefined, 'unattributed'],
  ])('%s -> %s', (arn, principal) => {
    expect(principalOf(arn)).toBe(principal);
  });
});

describe('splitBatch for the invocation-logs source', () => {
  const options = { source: 'invocation-logs' as const };

  it('gives each log event of an envelope its own position and skips control messages', () => {
    // Prepare
    const events = [1, 2, 3].map((n) => JSON.stringify(toInvocationLog(aV2Event({ event_id: `req-${n}` }))));
    const records = asRecords(controlMessageRecord(), dataMessageRecord(events, AT));

    // Act
    const split = splitBatch(records, DEFAULT_PRICE_TABLE, options);

    // Assess
    expect(split.invalid).toEqual([]);
    expect(split.skipped).toBe(1);
    const second = records[1]?.sequenceNumber;
    expect(split.valid.map((v) => [v.event.requestId, v.sequence])).toEqual([
      ['req-1', `${second}00000`],
      ['req-2', `${second}00001`],
      ['req-3', `${second}00002`],
    ]);
  });

  it('quarantines an unreadable log event with its reason, keeping neither prompt nor response', () => {
    // Prepare
    const good = JSON.stringify(toInvocationLog(aV2Event({ event_id: 'ok' })));
    const bad = logWith((log) => delete log.requestId);
    const notJson = `${BODY_MARKER} {"schemaVersion":"1.0"`;

    // Act
    const split = splitBatch(
      asRecords(dataMessageRecord([good, bad, notJson], AT)),
      DEFAULT_PRICE_TABLE,
      options,
    );

    // Assess
    expect(split.valid.map((v) => v.event.requestId)).toEqual(['ok']);
    expect(split.invalid.map((q) => [q.index, q.reason])).toEqual([
      [1, 'schema_violation'],
      [2, 'malformed_json'],
    ]);
    for (const q of split.invalid) {
      const kept = Buffer.from(q.data).toString('utf8');
      expect(kept).not.toContain('FIXTURE-SECRET');
      expect(kept).not.toContain(BODY_MARKER);
    }
    expect(JSON.parse(Buffer.from(split.invalid[0]?.data ?? []).toString('utf8'))).toMatchObject({
      modelId: `us.${SONNET}`,
      input: { inputTokenCount: 212 },
    });
  });

  it('never carries a body into the event it counts', () => {
    const split = splitBatch(asRecords(dataMessageRecord([FIXTURE], AT)), DEFAULT_PRICE_TABLE, options);

    expect(split.valid).toHaveLength(1);
    expect(JSON.stringify(split.valid[0]?.event)).not.toContain('FIXTURE-SECRET');
  });

  it('quarantines an undecodable subscription record as its size and hash only', () => {
    const broken = gzipSync(`{"messageType":"DATA_MESSAGE","logEvents":[{"message":"${BODY_MARKER}`);

    const split = splitBatch(asRecords(broken), DEFAULT_PRICE_TABLE, options);

    expect(split.invalid).toHaveLength(1);
    expect(split.invalid[0]?.reason).toBe('undecodable_record');
    expect(Buffer.from(split.invalid[0]?.data ?? []).toString('utf8')).toMatch(
      /^\{"unreadable_bytes":\d+,"sha256":"[0-9a-f]{64}"\}$/,
    );
  });

  it('skips producer events on an invocation-logs stage, and envelopes on a producer stage', () => {
    const producerRecord = Buffer.from(JSON.stringify(aV2Event()));
    const envelope = dataMessageRecord([FIXTURE], AT);

    const onLogs = splitBatch(asRecords(producerRecord), DEFAULT_PRICE_TABLE, options);
    const onProducer = splitBatch(asRecords(envelope), DEFAULT_PRICE_TABLE);

    expect([onLogs.valid.length, onLogs.invalid.length, onLogs.skipped]).toEqual([0, 0, 1]);
    expect([onProducer.valid.length, onProducer.invalid.length, onProducer.skipped]).toEqual([0, 0, 1]);
  });
});

describe('redactedCopy', () => {
  it('keeps the fields read and drops the bodies', () => {
    const copy = JSON.parse(Buffer.from(redactedCopy(FIXTURE)).toString('utf8'));

    expect(JSON.stringify(copy)).not.toContain('FIXTURE-SECRET');
    expect(copy).toMatchObject({
      requestId: '3f1b9a7e-52c4-4a0e-9d7a-0c6f3e2b8d11',
      output: { outputTokenCount: 96 },
    });
  });
});
