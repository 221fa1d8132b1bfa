import { type Command, InvalidArgumentError, Option } from 'commander';
import { SPEND_SOURCES, type SpendSource } from '../../../functions/core/ingest/split-batch';
import { renderTable } from '../../lib/table';
import { stackPaths } from '../../local/paths';
import { type StackStatus, stackStatus, startStack, stopStack, type UpResult } from '../../local/stack';

const integer =
  (min: number, max: number) =>
  (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`);
    }
    return parsed;
  };

const seconds = (value: string): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0 || parsed > 300)
    throw new InvalidArgumentError('expected 0 to 300 seconds');
  return parsed;
};

const renderUp = (result: UpResult): string => {
  const { state } = result;
  const headline = result.started
    ? `local stack ${result.recovered ? 'restarted after a crash' : 'started'} in ${(result.elapsedMs / 1000).toFixed(1)} s`
    : 'local stack already running';
  const tables = Object.values(
    state.tables ?? { spendTable: state.spendTable, quarantineTable: state.quarantineTable },
  );
  return [
    headline,
    `  kinesis     ${state.endpoints.kinesis}  stream ${state.streamName} (${state.shardCount ?? '?'} shards)`,
    `  dynamodb    ${state.endpoints.dynamodb}  tables ${tables.join(', ')}`,
    ...(state.endpoints.ssm === undefined
      ? []
      : [
          `  ssm, sfn, sns  ${state.endpoints.ssm}  flags under ${state.ssmPrefix}, state machines escalate/restore/override, topic ${state.alertsTopicName}`,
        ]),
    ...(state.endpoints.cloudwatch === undefined
      ? []
      : [`  cloudwatch  ${state.endpoints.cloudwatch}  metrics (PutMetricData, GetMetricData, ListMetrics)`]),
    `  spend from  ${state.spendSource ?? 'producer'}`,
    `  supervisor  pid ${state.supervisorPid}, invoking ${state.handlerModule ?? '?'}`,
    `  home        ${state.home ?? '?'} (logs in ${state.home === undefined ? '?' : stackPaths(state.home).logs})`,
  ].join('\n');
};

const ago = (iso: string): string => `${((Date.now() - Date.parse(iso)) / 1000).toFixed(1)} s ago`;

const renderStatus = (status: StackStatus): string => {
  if (!status.running)
    return `local stack: not running (home ${status.home}); start it with: npx ccb local up`;
  const lines = [
    `local stack: ${status.healthy ? 'healthy' : 'UNHEALTHY'} (started ${status.startedAt}, home ${status.home})`,
    '',
    renderTable(
      ['process', 'pid', 'alive', 'healthy', 'endpoint'],
      [
        [
          'supervisor',
          String(status.supervisor?.pid ?? '-'),
          status.supervisor?.alive ? 'yes' : 'NO',
          '',
          '',
        ],
        ...status.emulators.map((emulator) => [
          emulator.name,
          String(emulator.pid),
          emulator.alive ? 'yes' : 'NO',
          emulator.healthy ? 'yes' : 'NO',
          emulator.endpoint,
        ]),
      ],
    ),
  ];
  const source = status.eventSource;
  if (source !== null) {
    const { mapping, stats } = source;
    lines.push(
      '',
      `event source -> ${source.functionName}: BatchSize ${mapping.BatchSize}, window ${mapping.MaximumBatchingWindowInSeconds} s, ` +
        `retries ${mapping.MaximumRetryAttempts}, bisect ${mapping.BisectBatchOnFunctionError ? 'on' : 'off'}, ` +
        `partial responses ${mapping.ReportBatchItemFailures ? 'on' : 'off'}, max record age ${mapping.MaximumRecordAgeInSeconds}`,
      `  ${stats.invocations} invocations, ${stats.recordsDelivered} records delivered, ${stats.recordsCheckpointed} checkpointed, ` +
        `${stats.retries} retries, ${stats.bisects} bisects, ${stats.recordsToFailureDestination} records to the failure destination ` +
        `(${status.failureRecords} files); updated ${ago(source.updatedAt)}`,
    );
  }
  for (const consumer of status.consumers) {
    const { stats } = consumer;
    const behind = Object.values(stats.shards).reduce(
      (most, shard) => Math.max(most, shard.millisBehindLatest),
      0,
    );
    lines.push(
      `event source -> ${consumer.functionName}: ${stats.invocations} invocations, ${stats.recordsCheckpointed} checkpointed, ` +
        `${stats.retries} retries, ${stats.partialBatchFailures} partial failures, ${behind} ms behind, ` +
        `${consumer.failureRecords} failure files; updated ${ago(consumer.updatedAt)}`,
    );
  }
  if (status.stream !== null && status.stream.shards.length > 0) {
    lines.push(
      '',
      `stream ${status.stream.name}`,
      renderTable(
        ['shard', 'checkpoint', 'behind', 'state'],
        status.stream.shards.map((shard) => [
          shard.shardId,
          shard.checkpoint === null ? '(none: from TRIM_HORIZON)' : `...${shard.checkpoint.slice(-12)}`,
          `${shard.records}${shard.capped ? '+' : ''}`,
          source?.stats.shards[shard.shardId]?.state ?? '-',
        ]),
      ),
    );
  }
  return lines.join('\n');
};

export const registerLocal = (program: Command): void => {
  const local = program
    .command('local')
    .description(
      'the embedded local stack: kinesis-local, DynamoDB Local and the Lambda event-source poller',
    );

  local
    .command('up')
    .description('start the local stack (does nothing if it is running and healthy)')
    .option('--shards <n>', 'shards of a newly created stream', integer(1, 50), 4)
    .option('--batch-size <n>', 'event source BatchSize', integer(1, 10_000))
    .option('--batching-window <seconds>', 'event source MaximumBatchingWindowInSeconds', seconds)
    .option('--max-retries <n>', 'event source MaximumRetryAttempts (-1: forever)', integer(-1, 10_000))
    .option(
      '--persist-interval <duration>',
      'how often kinesis-local saves its data, e.g. 1s (default: env CCB_KINESIS_PERSIST_INTERVAL, else 5s)',
    )
    .option(
      '--handler <module>',
      'module exporting the handler to invoke (default: env CCB_HANDLER_MODULE, else functions/aggregate.ts)',
    )
    .addOption(
      new Option('--spend-source <source>', 'what counts as spend (serverless.yml spendSource)').choices(
        SPEND_SOURCES,
      ),
    )
    .option('--json', 'machine-readable output')
    .action(
      async (options: {
        shards: number;
        spendSource?: SpendSource;
        batchSize?: number;
        batchingWindow?: number;
        maxRetries?: number;
        handler?: string;
        persistInterval?: string;
        json?: boolean;
      }) => {
        const result = await startStack({
          shards: options.shards,
          ...(options.persistInterval !== undefined && { kinesisPersistInterval: options.persistInterval }),
          ...(options.handler !== undefined && { handlerModule: options.handler }),
          ...(options.spendSource !== undefined && { spendSource: options.spendSource }),
          mapping: {
            ...(options.batchSize !== undefined && { BatchSize: options.batchSize }),
            ...(options.batchingWindow !== undefined && {
              MaximumBatchingWindowInSeconds: options.batchingWindow,
            }),
            ...(options.maxRetries !== undefined && { MaximumRetryAttempts: options.maxRetries }),
          },
        });
        console.log(options.json ? JSON.stringify(result, null, 2) : renderUp(result));
      },
    );

  local
    .command('down')
    .description('stop the local stack; the data stays unless --purge')
    .option('--purge', 'also delete the data (streams, tables, checkpoints, failures, logs)')
    .option('--json', 'machine-readable output')
    .action(async (options: { purge?: boolean; json?: boolean }) => {
      const result = await stopStack({ purge: options.purge ?? false });
      if (options.json) {
        console.log(JSON.stringify(result, null, 2));
        return;
      }
      const what = result.wasRunning
        ? `local stack stopped${result.graceful ? '' : ' (some processes had to be killed)'}`
        : 'local stack was not running';
      console.log(`${what}; ${result.purged ? 'data deleted' : 'data kept'}`);
    });

  local
    .command('status')
    .description('processes, health, event-source counters and per-shard lag (exit code 1 unless healthy)')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const status = await stackStatus();
      console.log(options.json ? JSON.stringify(status, null, 2) : renderStatus(status));
      if (!status.healthy) process.exitCode = 1;
    });
};
