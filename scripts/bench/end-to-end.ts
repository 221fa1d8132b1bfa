import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localKinesisClient } from '../lib/local-clients';
import { produceEvents } from '../lib/produce-events';
import { drain } from '../local/drain';
import { stackStatus, startStack, stopStack } from '../local/stack';
import type { ScenarioLine } from '../scenarios';

export interface EndToEndResult {
  events: number;
  records: number;
  shards: number;
  putSeconds: number;
  totalSeconds: number;
  eventsPerSecond: number;
  invocations: number;
}

/**
 * Producer -> kinesis-local -> event-source emulator -> aggregate handler -> DynamoDB Local, on a fresh
 * stack in a temporary folder: from the first put until every record is processed.
 */
export const measureEndToEnd = async (
  lines: readonly ScenarioLine[],
  shards: number,
  packed: boolean,
): Promise<EndToEndResult> => {
  const home = await mkdtemp(join(tmpdir(), 'ccb-bench-'));
  // An interrupted benchmark must not leave a stack busy on the machine, skewing the next measurement.
  const stopOnSignal = () => void stopStack({ home, purge: true }).finally(() => process.exit(130));
  process.once('SIGINT', stopOnSignal).once('SIGTERM', stopOnSignal);
  try {
    const { state } = await startStack({ home, shards });
    const kinesis = localKinesisClient(state);
    const started = performance.now();
    const produced = await produceEvents(lines, {
      kinesis,
      streamName: state.streamName,
      maxInFlight: 8,
      pack: packed ? {} : false,
    }).finally(() => kinesis.destroy());
    const putSeconds = (performance.now() - started) / 1_000;
    await drain(state, { home, timeoutSeconds: 600 });
    const totalSeconds = (performance.now() - started) / 1_000;
    const status = await stackStatus({ home });
    return {
      events: produced.events,
      records: produced.sent,
      shards,
      putSeconds,
      totalSeconds,
      eventsPerSecond: produced.events / totalSeconds,
      invocations: status.eventSource?.stats.invocations ?? 0,
    };
  } finally {
    process.off('SIGINT', stopOnSignal).off('SIGTERM', stopOnSignal);
    await stopStack({ home, purge: true });
  }
};
