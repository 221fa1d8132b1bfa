import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { KinesisStreamEvent, ScheduledEvent } from 'aws-lambda';
import { parseRoleList } from '../../functions/core/breaker/cap-enforcement';
import type { SpendSource } from '../../functions/core/ingest/split-batch';
import { localAwsEnvironment, localKinesisClient, localSnsClient } from '../lib/local-clients';
import { LOCAL_ACCOUNT_ID, localResources, type StackState } from '../lib/stack-context';
import { readCheckpoints, writeCheckpoints } from './checkpoints';
import {
  type Consumer,
  consumerEventSource,
  consumerStatus,
  loadHandler,
  resolveHandlerModule,
} from './consumer';
import { type ConsumerWorker, startConsumerWorker } from './consumer-worker';
import {
  assertJava,
  awsStandInsHealthy,
  dynamoDbHealthy,
  kinesisHealthy,
  type RunningEmulator,
  startAwsStandIns,
  startDynamoDbLocal,
  startKinesisLocal,
  waitUntilHealthy,
} from './emulators';
import { loadServiceParams, localFunctionEnvironment } from './function-environment';
import { readJsonIfExists, writeJsonAtomic } from './json-file';
import type { EventSourceMappingSettings, KinesisEventSource } from './kinesis-event-source';
import { kinesisShardReader } from './kinesis-shard-reader';
import { lambdaContext } from './lambda-context';
import { consoleLogger } from './log';
import { consumerPaths, stackPaths } from './paths';
import { terminate } from './processes';
import {
  ensureStream,
  ensureTables,
  ensureTopic,
  loadTableDefinitions,
  localDynamoDbAdminClient,
} from './provision';
import { reconcileCheckpoints } from './reconcile-checkpoints';

export { type EventSourceStatusFile, resolveHandlerModule } from './consumer';

/** What `ccb local up` hands to the supervisor process, as JSON in this environment variable. */
export const SUPERVISOR_CONFIG_ENV = 'CCB_SUPERVISOR_CONFIG';
export const SUPERVISOR_SCRIPT = fileURLToPath(import.meta.url);
/** Part of the supervisor's command line, to recognise its pid after a crash. */
export const SUPERVISOR_MARKER = join('local', 'supervisor.ts');
export { LOCAL_ACCOUNT_ID };

/** The check function the supervisor's timer invokes, as EventBridge's `rate(1 minute)` does on AWS. */
export const DEFAULT_CHECK_MODULE = 'functions/check.ts';
/** Runs on the check's timer too: the every-minute republish of flags that drifted from the breaker state. */
export const RECONCILE_FLAGS_MODULE = 'functions/reconcile-flags.ts';
export const DEFAULT_CHECK_INTERVAL_MS = 60_000;
/** The archive: a second consumer of the stream with a mapping of its own, as on AWS. */
export const DEFAULT_ARCHIVE_MODULE = 'functions/archive.ts';

/**
 * The local stack's settings: what `ccb local up` hands the supervisor. The defaults named "`up`:" are
 * filled in by startStack (scripts/local/stack.ts), which takes these same fields as its options.
 */
export interface SupervisorConfig {
  /** `up`: env CCB_HOME, else .ccb (stackHome). */
  home: string;
  /** `up`: local. */
  stage: string;
  /** Shards of a new stream; an existing stream keeps its own count. `up`: 4. */
  shards: number;
  /**
   * Exports `handler(event, context)`; relative to the repository root unless absolute.
   * `up`: env CCB_HANDLER_MODULE, else functions/aggregate.ts.
   */
  handlerModule: string;
  mapping: Partial<EventSourceMappingSettings>;
  idlePollMs?: number;
  /** kinesis-local's PERSIST_INTERVAL, e.g. `1s`. `up`: env CCB_KINESIS_PERSIST_INTERVAL, else 5s. */
  kinesisPersistInterval?: string;
  /** Where the Step Functions stand-in finds `*.asl.json` and the task modules; default statemachines/, functions/. */
  stateMachinesDir?: string;
  functionsDir?: string;
  /** Multiplies every Wait state's duration; default 1. `up`: env CCB_SFN_WAIT_SCALE. */
  sfnWaitScale?: number;
  /** One fixed interval for every Retry; default the ASL's own. `up`: env CCB_SFN_RETRY_INTERVAL_MS. */
  sfnRetryIntervalMs?: number;
  /**
   * The scheduled check's module, relative to the repository root unless absolute; default
   * functions/check.ts (the timer stays off while it is missing).
   */
  checkModule?: string;
  /** Period of the check timer; 0 turns it off. Default 60 s. `up`: env CCB_CHECK_INTERVAL_SECONDS x 1000. */
  checkIntervalMs?: number;
  /**
   * The archive consumer's module, relative to the repository root unless absolute; default
   * functions/archive.ts, '' for none (it is also off while the module is missing). `up`: env CCB_ARCHIVE_MODULE.
   */
  archiveModule?: string;
  /**
   * The archive mapping (its own checkpoints are under `<home>/consumers/`); by default the aggregate's
   * batch size and window, retried until it succeeds.
   */
  archiveMapping?: Partial<EventSourceMappingSettings>;
  /** What counts as spend (serverless.yml's spendSource). `up`: --spend-source, else serverless.yml's default. */
  spendSource?: SpendSource;
}

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The mappings the supervisor runs: the aggregate's, and the archive's unless it is turned off or its
 * module is missing. The archive runs in a worker thread and retries a failed batch until it succeeds
 * (on AWS: until the records are 6 hours old), so an outage of the archive only delays it, and never
 * touches the aggregate.
 */
const consumersOf = (config: SupervisorConfig): Consumer[] => {
  const paths = stackPaths(config.home);
  const consumers: Consumer[] = [
    {
      functionName: `ccb-${config.stage}-aggregate`,
      handlerModule: config.handlerModule,
      mapping: config.mapping,
      paths: {
        checkpoints: paths.checkpoints,
        failures: paths.failures,
        eventSourceStatus: paths.eventSourceStatus,
      },
      memoryLimitInMB: 1024,
      serviceName: 'ccb-aggregate',
    },
  ];
  const archiveModule = config.archiveModule ?? DEFAULT_ARCHIVE_MODULE;
  if (archiveModule === '') {
    log('info', 'the archive consumer is off');
  } else if (!existsSync(resolveHandlerModule(archiveModule))) {
    log('info', `the archive consumer is off: ${archiveModule} does not exist`);
  } else {
    const functionName = `ccb-${config.stage}-archive`;
    consumers.push({
      functionName,
      handlerModule: archiveModule,
      mapping: {
        ...definedOnly({
          BatchSize: config.mapping.BatchSize,
          MaximumBatchingWindowInSeconds: config.mapping.MaximumBatchingWindowInSeconds,
        }),
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: -1,
        BisectBatchOnFunctionError: true,
        ReportBatchItemFailures: true,
        ...config.archiveMapping,
      },
      paths: consumerPaths(config.home, functionName),
      memoryLimitInMB: 256,
      serviceName: 'ccb-archive',
    });
  }
  return consumers;
};

/** `<home>/processes.json`: every pid the supervisor started, written before they are healthy. */
export interface ProcessesFile {
  supervisorPid: number;
  children: { name: string; pid: number }[];
}

const log = consoleLogger('supervisor');

/**
 * Invokes the check function's handler every `checkIntervalMs` with a scheduled event, in this process
 * (like the aggregate, with the same environment). An invocation still running when the next is due
 * makes that tick skip, as the function's single retry-free schedule would only overlap it. Returns
 * undefined, and logs why, when the module does not exist or the interval is 0.
 */
const startCheckTimer = async (
  config: SupervisorConfig,
  region: string,
  checkModule: string,
): Promise<NodeJS.Timeout | undefined> => {
  const intervalMs = config.checkIntervalMs ?? DEFAULT_CHECK_INTERVAL_MS;
  if (intervalMs <= 0) {
    log('info', 'the check timer is off (interval 0)');
    return undefined;
  }
  if (!existsSync(resolveHandlerModule(checkModule))) {
    log('info', `the check timer is off: ${checkModule} does not exist`);
    return undefined;
  }
  const check = await loadHandler<ScheduledEvent>(checkModule);
  const functionName = `ccb-${config.stage}-${basename(checkModule).replace(/\.ts$/, '')}`;
  const ruleArn = `arn:aws:events:${region}:${LOCAL_ACCOUNT_ID}:rule/${functionName}-schedule`;
  let running = false;
  const tick = async () => {
    if (running) {
      log('warn', 'the previous check is still running; skipping this one');
      return;
    }
    running = true;
    const requestId = randomUUID();
    try {
      await check(
        {
          version: '0',
          id: randomUUID(),
          'detail-type': 'Scheduled Event',
          source: 'aws.events',
          account: LOCAL_ACCOUNT_ID,
          time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          region,
          resources: [ruleArn],
          detail: {},
        },
        lambdaContext({
          functionName,
          region,
          accountId: LOCAL_ACCOUNT_ID,
          requestId,
          timeoutMs: 30_000,
          memoryLimitInMB: 256,
        }),
      );
    } catch (error) {
      log('warn', 'the check failed', {
        requestId,
        error: error instanceof Error ? error.message : String(error),
      });
    } finally {
      running = false;
    }
  };
  log('info', `invoking ${checkModule} every ${intervalMs / 1000} s`);
  return setInterval(() => void tick(), intervalMs);
};

const withTimeout = async (work: Promise<void>, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
};

/**
 * Runs the local stack in this process: both emulators as children, the stream and tables, the
 * aggregate's event-source poller invoking its handler in-process, and the archive's in a worker thread.
 * Stops everything in order on SIGTERM or SIGINT.
 */
export const runSupervisor = async (config: SupervisorConfig): Promise<void> => {
  const paths = stackPaths(config.home);
  const resources = localResources(config.stage);
  const children: RunningEmulator[] = [];
  const consumers = consumersOf(config);
  // The aggregate's mapping runs in this thread; the others (the archive) each in a worker thread.
  const running: { consumer: Consumer; eventSource: KinesisEventSource }[] = [];
  const workers: ConsumerWorker[] = [];
  let kinesisClient: KinesisClient | undefined;
  let statusTimer: NodeJS.Timeout | undefined;
  let checkTimers: (NodeJS.Timeout | undefined)[] = [];
  let shuttingDown = false;

  const writeStatus = async () => {
    await Promise.all(
      running.map(({ consumer, eventSource }) =>
        writeJsonAtomic(consumer.paths.eventSourceStatus, consumerStatus(consumer, eventSource, process.pid)),
      ),
    );
  };

  const recordProcesses = () =>
    writeJsonAtomic(paths.processes, {
      supervisorPid: process.pid,
      children: children.map(({ name, pid }) => ({ name, pid })),
    } satisfies ProcessesFile);

  const shutdown = async (exitCode: number, reason: string) => {
    if (shuttingDown) return;
    shuttingDown = true;
    log(exitCode === 0 ? 'info' : 'error', `stopping: ${reason}`);
    clearInterval(statusTimer);
    for (const timer of checkTimers) clearInterval(timer);
    try {
      if (running.length + workers.length > 0) {
        await withTimeout(
          Promise.all([
            ...running.map(({ eventSource }) => eventSource.stop()),
            ...workers.map((worker) => worker.stop(15_000)),
          ]).then(() => {}),
          15_000,
        );
        await writeStatus();
      }
      // kinesis-local waits for open keep-alive connections before it exits on SIGTERM.
      kinesisClient?.destroy();
      await Promise.all(
        children.map(async (child) => {
          const since = Date.now();
          const graceful = await terminate(child.pid, { graceMs: 5_000 });
          log('info', `${child.name} stopped`, { ms: Date.now() - since, graceful });
        }),
      );
      if (exitCode === 0) {
        const state = await readJsonIfExists<StackState>(paths.state);
        if (state?.supervisorPid === process.pid) await rm(paths.state, { force: true });
        await rm(paths.processes, { force: true });
      }
    } catch (error) {
      log('error', 'shutdown failed', { error: String(error) });
    }
    process.exit(exitCode);
  };

  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
  process.on('unhandledRejection', (error) => void shutdown(1, `unhandled rejection: ${String(error)}`));

  try {
    const startedAt = new Date();
    assertJava();
    await mkdir(paths.logs, { recursive: true });
    const kinesis = await startKinesisLocal({
      dataDirectory: paths.kinesisData,
      logPath: paths.kinesisLog,
      region: resources.region,
      ...(config.kinesisPersistInterval !== undefined && { persistInterval: config.kinesisPersistInterval }),
    });
    children.push(kinesis);
    const dynamodb = await startDynamoDbLocal({
      dataDirectory: paths.dynamodbData,
      logPath: paths.dynamodbLog,
    });
    children.push(dynamodb);
    const tables = await loadTableDefinitions(resources, { stage: config.stage });
    const functionEnvironment = localFunctionEnvironment({
      stage: config.stage,
      resources,
      tables,
      params: await loadServiceParams(),
      ...(config.spendSource === undefined ? {} : { spendSource: config.spendSource }),
    });
    // Its own process: Step Functions tasks run there, so a long workflow never stalls the poller.
    const standIns = await startAwsStandIns({
      config: {
        home: config.home,
        stage: config.stage,
        region: resources.region,
        accountId: LOCAL_ACCOUNT_ID,
        // Sent as JSON: an unset setting is left out.
        stateMachinesDir: config.stateMachinesDir,
        functionsDir: config.functionsDir,
        waitScale: config.sfnWaitScale,
        retryIntervalMs: config.sfnRetryIntervalMs,
        iamRoles: parseRoleList(functionEnvironment.CAP_ENFORCEMENT_ROLES),
      },
      logPath: paths.awsLog,
      env: {
        ...process.env,
        ...localAwsEnvironment({
          region: resources.region,
          endpoints: { kinesis: kinesis.endpoint, dynamodb: dynamodb.endpoint },
        }),
        ...functionEnvironment,
        POWERTOOLS_SERVICE_NAME: 'ccb-breaker',
      },
    });
    children.push(standIns);
    await recordProcesses();
    for (const child of children) {
      child.child.on('exit', (code, signal) => {
        if (!shuttingDown) void shutdown(1, `${child.name} exited unexpectedly (${code ?? signal})`);
      });
    }
    const elapsed = () => Date.now() - startedAt.getTime();
    const timings: Record<string, number> = {};
    await Promise.all([
      waitUntilHealthy(kinesis, kinesisHealthy).then(() => (timings.kinesisHealthy = elapsed())),
      waitUntilHealthy(dynamodb, dynamoDbHealthy).then(() => (timings.dynamodbHealthy = elapsed())),
      waitUntilHealthy(standIns, awsStandInsHealthy).then(() => (timings.awsStandInsHealthy = elapsed())),
    ]);

    const endpoints = {
      kinesis: kinesis.endpoint,
      dynamodb: dynamodb.endpoint,
      ssm: standIns.endpoint,
      sfn: standIns.endpoint,
      sns: standIns.endpoint,
      firehose: standIns.endpoint,
      redshiftData: standIns.endpoint,
      cloudwatch: standIns.endpoint,
      iam: standIns.endpoint,
    };
    kinesisClient = localKinesisClient({ region: resources.region, endpoints });
    const stream = await ensureStream(kinesisClient, resources.streamName, config.shards);
    if (stream.created) {
      for (const consumer of consumers) {
        if ((await readJsonIfExists(consumer.paths.checkpoints)) === undefined) continue;
        log('warn', 'the stream was created anew; discarding the checkpoints of the old one', {
          functionName: consumer.functionName,
        });
        await rm(consumer.paths.checkpoints, { force: true });
      }
    }
    if (stream.shardCount !== config.shards) {
      log('warn', 'the existing stream keeps its shard count', {
        shards: stream.shardCount,
        requested: config.shards,
      });
    }
    const reader = kinesisShardReader(kinesisClient, resources.streamName);
    for (const consumer of consumers) {
      const checkpoints = await readCheckpoints(consumer.paths.checkpoints);
      const corrections = await reconcileCheckpoints(reader, checkpoints);
      if (corrections.length === 0) continue;
      log(
        'warn',
        'kinesis-local lost records it had not persisted before a crash; moving their checkpoints back',
        { functionName: consumer.functionName, corrections },
      );
      for (const { shardId, to } of corrections) {
        if (to === undefined) checkpoints.delete(shardId);
        else checkpoints.set(shardId, to);
      }
      await writeCheckpoints(consumer.paths.checkpoints, checkpoints);
    }
    await ensureTables(localDynamoDbAdminClient({ region: resources.region, endpoints }), tables);
    const sns = localSnsClient({ region: resources.region, endpoints });
    await ensureTopic(sns, resources.alertsTopicName).finally(() => sns.destroy());

    // The handlers build their clients when their modules load, so the environment must be complete first.
    Object.assign(process.env, localAwsEnvironment({ region: resources.region, endpoints }), {
      ...functionEnvironment,
      STREAM_NAME: resources.streamName,
      POWERTOOLS_SERVICE_NAME: 'ccb-aggregate',
      AWS_LAMBDA_FUNCTION_NAME: consumers[0]?.functionName ?? '',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '1024',
    });
    timings.provisioned = elapsed();
    const [primary, ...others] = consumers;
    if (primary === undefined) throw new Error('no consumer to run');
    const handler = await loadHandler<KinesisStreamEvent>(primary.handlerModule);
    timings.handlerLoaded = elapsed();
    checkTimers = await Promise.all(
      [config.checkModule ?? DEFAULT_CHECK_MODULE, RECONCILE_FLAGS_MODULE].map((module) =>
        startCheckTimer(config, resources.region, module),
      ),
    );
    const eventSource = consumerEventSource({
      consumer: primary,
      handler,
      reader,
      region: resources.region,
      streamArn: stream.arn,
      ...(config.idlePollMs !== undefined && { idlePollMs: config.idlePollMs }),
      log,
    });
    running.push({ consumer: primary, eventSource });
    await eventSource.start();
    for (const consumer of others) {
      const worker = await startConsumerWorker(
        {
          consumer,
          state: {
            region: resources.region,
            endpoints,
            streamName: resources.streamName,
            streamArn: stream.arn,
          },
          supervisorPid: process.pid,
          ...(config.idlePollMs !== undefined && { idlePollMs: config.idlePollMs }),
        },
        {
          ...process.env,
          POWERTOOLS_SERVICE_NAME: consumer.serviceName,
          AWS_LAMBDA_FUNCTION_NAME: consumer.functionName,
          AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(consumer.memoryLimitInMB),
        },
      );
      worker.onExit(
        (code) => void shutdown(1, `the ${consumer.functionName} consumer thread exited (${code})`),
      );
      workers.push(worker);
    }
    timings.consumersStarted = elapsed();
    await writeStatus();
    statusTimer = setInterval(() => {
      writeStatus().catch((error: unknown) =>
        log('warn', 'could not write the status file', { error: String(error) }),
      );
    }, 1_000);

    const state: StackState = {
      ...resources,
      supervisorPid: process.pid,
      startedAt: startedAt.toISOString(),
      endpoints,
      children: children.map(({ name, pid }) => ({ name, pid })),
      home: config.home,
      streamArn: stream.arn,
      shardCount: stream.shardCount,
      tables: Object.fromEntries(tables.map((table) => [table.key, table.input.TableName ?? ''])),
      handlerModule: config.handlerModule,
      ...(functionEnvironment.DAILY_BUDGET_USD !== undefined && {
        dailyBudgetUsd: functionEnvironment.DAILY_BUDGET_USD,
      }),
      spendSource: functionEnvironment.SPEND_SOURCE as SpendSource,
      capEnforcementRoles: parseRoleList(functionEnvironment.CAP_ENFORCEMENT_ROLES),
    };
    // Written last: its presence with this pid is what tells `up` the stack is ready.
    await writeJsonAtomic(paths.state, state);
    log('info', 'ready', { ms: elapsed(), timings, endpoints, streamArn: stream.arn });
  } catch (error) {
    log('error', 'startup failed', { error: error instanceof Error ? error.message : String(error) });
    await shutdown(1, 'startup failed');
  }
};

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === SUPERVISOR_SCRIPT;

if (isMain) {
  const raw = process.env[SUPERVISOR_CONFIG_ENV];
  if (raw === undefined) {
    console.error(`the supervisor is started by \`ccb local up\`; ${SUPERVISOR_CONFIG_ENV} is not set`);
    process.exit(2);
  }
  await runSupervisor(JSON.parse(raw) as SupervisorConfig);
}
