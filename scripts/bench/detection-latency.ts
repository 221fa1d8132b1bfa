import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { DescribeExecutionCommand } from '@aws-sdk/client-sfn';
import { GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { DeleteCommand } from '@aws-sdk/lib-dynamodb';
import { SONNET_MODEL_ID } from '../../producer';
import {
  localDynamoDbClient,
  localKinesisClient,
  localSfnClient,
  localSsmClient,
} from '../lib/local-clients';
import { produceEvents } from '../lib/produce-events';
import { startStack, stopStack } from '../local/stack';

export interface DetectionLatency {
  crossings: number;
  shards: number;
  batchingWindowSeconds: number;
  samplesMs: number[];
  /** Of each sample, the part until the escalate execution started (stream, batching window, checks). */
  toExecutionMs: number[];
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

const percentile = (sorted: readonly number[], p: number): number =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;

const DAY_MS = 86_400_000;

/**
 * From the put of the events that cross 70% of the daily cap to the flags being set in SSM, on a fresh
 * local stack with the local event-source defaults (1 s batching window) and 2 shards as deployed.
 * Each crossing happens on a new budget day with the breaker reset to normal in between (the state
 * item deleted and the mode parameter put back: a benchmark's privilege), two minutes before midnight
 * so only the ladder decides.
 */
export const measureDetectionLatency = async (crossings: number, shards = 2): Promise<DetectionLatency> => {
  const home = await mkdtemp(join(tmpdir(), 'ccb-bench-latency-'));
  const saved = process.env.DAILY_BUDGET_USD;
  process.env.DAILY_BUDGET_USD = '1';
  const stopOnSignal = () => void stopStack({ home, purge: true }).finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
  const { state } = await startStack({ home, shards, checkIntervalMs: 0 });
  const kinesis = localKinesisClient(state);
  const ssm = localSsmClient(state);
  const dynamodb = localDynamoDbClient(state);
  const sfn = localSfnClient(state);
  const toExecutionMs: number[] = [];
  const modeParameter = `${state.ssmPrefix}breaker_mode`;
  const samplesMs: number[] = [];
  try {
    for (let i = 0; i < crossings; i += 1) {
      await dynamodb.send(new DeleteCommand({ TableName: state.breakerTable, Key: { pk: 'BREAKER' } }));
      await ssm.send(
        new PutParameterCommand({ Name: modeParameter, Value: 'normal', Type: 'String', Overwrite: true }),
      );
      const at = Date.parse('2031-01-01T23:58:00.000Z') + i * DAY_MS;
      // 13 Sonnet calls of 9,000 + 2,000 tokens: $0.741 of the $1 cap, in one session so one shard.
      const events = Array.from({ length: 13 }, (_, n) => ({
        schema_version: '2.0',
        event_id: `latency-${i}-${n}`,
        occurred_at: at + n * 1_000,
        request_id: `req-${i}-${n}`,
        session_id: `latency-${i}`,
        intent: 'recommendation',
        model_id: SONNET_MODEL_ID,
        component: 'llm' as const,
        language: 'en' as const,
        input_tokens: 9_000,
        output_tokens: 2_000,
        region: 'us-east-1',
      }));
      const started = performance.now();
      await produceEvents(events, { kinesis, streamName: state.streamName });
      for (;;) {
        const { Parameter } = await ssm.send(new GetParameterCommand({ Name: modeParameter }));
        if (Parameter?.Value === 'cache_aggressive') break;
        if (performance.now() - started > 30_000) throw new Error(`crossing ${i}: flags not set within 30 s`);
        await delay(5);
      }
      const elapsed = performance.now() - started;
      samplesMs.push(elapsed);
      const day = new Date(at).toISOString().slice(0, 10);
      const execution = await sfn.send(
        new DescribeExecutionCommand({
          executionArn: `${state.stateMachineArns.escalate.replace(':stateMachine:', ':execution:')}:ladder-${day}-cache_aggressive`,
        }),
      );
      const flagsAt = Date.now();
      toExecutionMs.push(elapsed - (flagsAt - (execution.startDate?.getTime() ?? flagsAt)));
      // Let the workflow finish its alert before the next reset.
      await delay(300);
    }
  } finally {
    kinesis.destroy();
    ssm.destroy();
    dynamodb.destroy();
    sfn.destroy();
    await stopStack({ home, purge: true }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    if (saved === undefined) delete process.env.DAILY_BUDGET_USD;
    else process.env.DAILY_BUDGET_USD = saved;
    process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
  }
  const sorted = [...samplesMs].sort((a, b) => a - b);
  return {
    crossings,
    shards,
    batchingWindowSeconds: 1,
    samplesMs,
    toExecutionMs,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
};
