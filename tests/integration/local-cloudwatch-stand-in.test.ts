import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type CloudWatchClient,
  GetMetricDataCommand,
  InvalidParameterValueException,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { CloudWatchProviderMetrics } from '../../functions/adapters/cloudwatch/cloudwatch-provider-metrics';
import { localCloudWatchClient } from '../../scripts/lib/local-clients';
import { type AwsStandIns, serveAwsStandIns } from '../../scripts/local/aws/server';
import { HAIKU, SONNET } from '../helpers/cost-events';

jest.setTimeout(60_000);

const DAY = '2025-03-15';
const at = (hour: number, minute = 0) =>
  new Date(Date.parse(`${DAY}T00:00:00Z`) + hour * 3_600_000 + minute * 60_000);

/** The CloudWatch stand-in driven by the real SDK v3 client and the reconciliation's adapter. */
describe('the local CloudWatch stand-in', () => {
  let home = '';
  let server: AwsStandIns;
  let client: CloudWatchClient;
  const clientFor = (endpoint: string) =>
    localCloudWatchClient({
      region: 'us-east-1',
      endpoints: { kinesis: '', dynamodb: '', cloudwatch: endpoint },
    });

  const put = (modelId: string, metric: string, hour: number, values: number[]) =>
    client.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Bedrock',
        MetricData: values.map((value, i) => ({
          MetricName: metric,
          Dimensions: [{ Name: 'ModelId', Value: modelId }],
          Timestamp: at(hour, i % 60),
          Value: value,
          Unit: 'Count',
        })),
      }),
    );

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-cloudwatch-'));
    server = await serveAwsStandIns({ home, stage: 'it' }, () => {});
    client = clientFor(server.endpoint);
    for (let hour = 0; hour < 24; hour += 1) {
      await put(SONNET, 'InputTokenCount', hour, [1_000, 2_000, hour]);
      await put(SONNET, 'OutputTokenCount', hour, [100]);
      await put(`us.${HAIKU}`, 'InputTokenCount', hour, [50]);
    }
    // A body above 10 KB, which the client sends gzip-compressed
    await put(
      HAIKU,
      'InputTokenCount',
      23,
      Array.from({ length: 400 }, () => 1),
    );
    // Another dimension set of the same metric: not a ModelId-only series, so never summed in
    await client.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/Bedrock',
        MetricData: [
          {
            MetricName: 'InputTokenCount',
            Dimensions: [
              { Name: 'ModelId', Value: SONNET },
              { Name: 'Operation', Value: 'Converse' },
            ],
            Timestamp: at(3),
            Value: 999_999,
          },
        ],
      }),
    );
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('answers hourly sums per ModelId, read across every GetMetricData page', async () => {
    // Act: 7 datapoints per page forces many pages over 24 hours x 4 series
    const paged = await new CloudWatchProviderMetrics(client, { maxDatapoints: 7 }).hourly(DAY);
    const whole = await new CloudWatchProviderMetrics(client).hourly(DAY);

    // Assess
    const sum = (data: typeof paged, modelId: string, tokenClass: string) =>
      data
        .filter((d) => d.modelId === modelId && d.tokenClass === tokenClass)
        .reduce((s, d) => s + d.value, 0);
    expect(sum(paged, SONNET, 'input')).toBe(24 * 3_000 + (23 * 24) / 2);
    expect(sum(paged, SONNET, 'output')).toBe(2_400);
    expect(sum(paged, `us.${HAIKU}`, 'input')).toBe(24 * 50);
    expect(sum(paged, HAIKU, 'input')).toBe(400);
    expect(paged.find((d) => d.modelId === SONNET && d.tokenClass === 'input' && d.hour === 3)?.value).toBe(
      3_003,
    );
    expect(new Set(paged.map((d) => `${d.modelId}|${d.tokenClass}|${d.hour}`)).size).toBe(paged.length);
    expect([...paged].sort(byKey)).toEqual([...whole].sort(byKey));
  });

  it('keeps its datapoints across a restart', async () => {
    await server.close();
    server = await serveAwsStandIns({ home, stage: 'it' }, () => {});
    client.destroy();
    client = clientFor(server.endpoint);

    const data = await new CloudWatchProviderMetrics(client).hourly(DAY);

    expect(data.filter((d) => d.modelId === SONNET && d.tokenClass === 'output')).toHaveLength(24);
  });

  it('rejects what CloudWatch rejects with the error the SDK knows', async () => {
    const bad = client.send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          {
            Id: 'Upper',
            MetricStat: { Metric: { Namespace: 'AWS/Bedrock', MetricName: 'X' }, Period: 3600, Stat: 'Sum' },
          },
        ],
        StartTime: at(0),
        EndTime: at(1),
      }),
    );

    await expect(bad).rejects.toBeInstanceOf(InvalidParameterValueException);
  });
});

const byKey = (a: { modelId: string; tokenClass: string; hour: number }, b: typeof a) =>
  `${a.modelId}|${a.tokenClass}|${String(a.hour).padStart(2, '0')}`.localeCompare(
    `${b.modelId}|${b.tokenClass}|${String(b.hour).padStart(2, '0')}`,
  );
