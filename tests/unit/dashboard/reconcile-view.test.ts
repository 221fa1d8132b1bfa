import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbSpendSnapshotSource } from '../../../functions/adapters/dynamodb/dynamodb-spend-snapshot';
import { DEFAULT_PRICE_TABLE } from '../../../functions/core/pricing/price-table';
import { reconcileDay } from '../../../functions/core/reconciliation/reconcile';
import { reconcileView } from '../../../scripts/dashboard/reconcile-view';
import { type DashboardContext, requestReaders, SECTIONS } from '../../../scripts/dashboard/sections';
import { localResources } from '../../../scripts/lib/stack-context';
import { defaultCheckConfig } from '../../helpers/check-config';
import { HAIKU, SONNET } from '../../helpers/cost-events';

const DAY = '2025-03-15';
const config = { driftShare: 0.05, minDriftTokens: 10_000, region: 'us-east-1' };
const tokens = (input: number, output: number) => ({ input, output, cacheRead: 0, cacheWrite: 0 });

const outcomeOf = (
  counted: Parameters<typeof reconcileDay>[1],
  provider: Parameters<typeof reconcileDay>[2],
) => ({
  ...reconcileDay(DAY, counted, provider, config, DEFAULT_PRICE_TABLE),
  raised: [],
});

describe('reconcileView', () => {
  it('shows each model-hour counted beside metered, the drift and the dark spend to the cent', () => {
    // Prepare: the provider metered 400,000 input tokens of Sonnet at 14h nobody counted
    const outcome = outcomeOf(
      [
        { hour: 14, model: SONNET, tokens: tokens(600_000, 10_000) },
        { hour: 9, model: HAIKU, tokens: tokens(1_000, 100) },
      ],
      [
        { hour: 14, modelId: SONNET, tokenClass: 'input', value: 1_000_000 },
        { hour: 14, modelId: SONNET, tokenClass: 'output', value: 10_000 },
        { hour: 9, modelId: HAIKU, tokenClass: 'input', value: 1_000 },
        { hour: 9, modelId: HAIKU, tokenClass: 'output', value: 100 },
      ],
    );

    // Act
    const view = reconcileView(outcome, DAY);

    // Assess
    const sonnet = view.rows.find((r) => r.model === SONNET);
    expect(view.state).toBe('rows');
    expect(sonnet).toMatchObject({
      hour: '14:00',
      counted_input_tokens: 600_000,
      provider_input_tokens: 1_000_000,
      drift_pct: 40,
      status: 'drift',
    });
    expect(sonnet?.dark_spend?.usd).toMatch(/^\$\d+\.\d{2}$/);
    expect(sonnet?.dark_spend?.nano).toBe(outcome.drifts[0]?.dark_spend_nano);
    expect(view.rows.find((r) => r.model === HAIKU)).toMatchObject({
      hour: '09:00',
      status: 'ok',
      dark_spend: null,
    });
    expect(view.drifting).toBe(1);
    expect(view.dark_spend.nano).toBe(sonnet?.dark_spend?.nano);
  });

  it('says so when the provider published nothing for the day', () => {
    const view = reconcileView(outcomeOf([{ hour: 3, model: SONNET, tokens: tokens(5, 5) }], []), DAY);

    expect(view).toMatchObject({
      state: 'no_provider_metrics',
      note: 'no provider metrics for this day',
      rows: [],
    });
  });

  it('says not configured when the stage has no provider metrics source', () => {
    expect(reconcileView(undefined, DAY)).toMatchObject({ state: 'not_configured', rows: [] });
    expect(reconcileView(undefined, DAY).note).toMatch(/^not configured/);
  });
});

describe('the reconciliation panel', () => {
  it('reads a drifting day without raising it: no ledger entry, no alert, no metric', async () => {
    // Prepare: counted 600,000 input tokens at 14h; Bedrock metered 1,000,000
    const options = { region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient(options));
    const cloudwatch = new CloudWatchClient(options);
    const sns = new SNSClient(options);
    const dynamoMock = mockClient(dynamodb);
    const cloudwatchMock = mockClient(cloudwatch);
    const snsMock = mockClient(sns);
    dynamoMock.on(QueryCommand).resolves({
      Items: [
        {
          day: DAY,
          hour: 14,
          model_id: SONNET,
          input_tokens: 600_000,
          output_tokens: 0,
          cache_read_tokens: 0,
        },
      ],
    });
    cloudwatchMock.on(ListMetricsCommand).resolves({ Metrics: [] });
    cloudwatchMock
      .on(ListMetricsCommand, { MetricName: 'InputTokenCount' })
      .resolves({ Metrics: [{ Dimensions: [{ Name: 'ModelId', Value: SONNET }] }] });
    cloudwatchMock.on(GetMetricDataCommand).resolves({
      MetricDataResults: [{ Id: 'q0', Timestamps: [new Date(`${DAY}T14:00:00.000Z`)], Values: [1_000_000] }],
    });
    const context: DashboardContext = {
      stage: {
        stage: 'local',
        resources: localResources('local'),
        dynamodb,
        ssm: () => {
          throw new Error('not used');
        },
        sfn: () => {
          throw new Error('not used');
        },
        sns: () => sns,
        cloudwatch: () => cloudwatch,
        iam: () => {
          throw new Error('not used');
        },
        stateMachineArn: () => Promise.reject(new Error('not used')),
      },
      config: defaultCheckConfig(100_000_000_000, {}),
      budgetSource: 'a test',
      snapshots: new DynamoDbSpendSnapshotSource(dynamodb, 'spend'),
      baselines: new Map(),
      now: () => Date.parse(`${DAY}T20:00:00.000Z`),
    };
    const section = SECTIONS.find((s) => s.id === 'reconciliation');

    // Act
    const view = (await section?.read(context, requestReaders(context, DAY))) as ReturnType<
      typeof reconcileView
    >;

    // Assess
    expect(view.rows.map((r) => [r.hour, r.model, r.status])).toEqual([['14:00', SONNET, 'drift']]);
    expect(dynamoMock.calls().map((c) => c.args[0].constructor.name)).toEqual(['QueryCommand']);
    expect(
      cloudwatchMock
        .calls()
        .every((c) => ['ListMetricsCommand', 'GetMetricDataCommand'].includes(c.args[0].constructor.name)),
    ).toBe(true);
    expect(snsMock.calls()).toEqual([]);
  });
});
