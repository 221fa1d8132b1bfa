import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { localKinesisClient } from '../lib/local-clients';
import { type StackState, stackHome } from '../lib/stack-context';
import { type ShardBacklog, shardBacklog } from './backlog';
import { readCheckpoints } from './checkpoints';
import { runningConsumers } from './consumers';
import {
  assertJava,
  awsStandInsHealthy,
  DEFAULT_KINESIS_PERSIST_INTERVAL,
  dynamoDbHealthy,
  EMULATOR_MARKERS,
  type EmulatorName,
  kinesisHealthy,
  logTail,
} from './emulators';
import { readJsonIfExists } from './json-file';
import { kinesisShardReader } from './kinesis-shard-reader';
import { consumerPaths, projectRoot, type StackPaths, stackPaths } from './paths';
import { commandLineOf, isAlive, killIfMatches, terminate } from './processes';
import {
  type EventSourceStatusFile,
  type ProcessesFile,
  resolveHandlerModule,
  SUPERVISOR_CONFIG_ENV,
  SUPERVISOR_MARKER,
  SUPERVISOR_SCRIPT,
  type SupervisorConfig,
} from './supervisor';

export const DEFAULT_HANDLER_MODULE = 'functions/aggregate.ts';

/** The supervisor's settings, each optional (see SupervisorConfig for what `up` fills in). */
export interface UpOptions extends Partial<SupervisorConfig> {
  /** How long to wait for the stack to become ready. Default 90 s. */
  timeoutMs?: number;
}

export interface UpResult {
  state: StackState;
  /** False when a healthy stack was already running and was left alone. */
  started: boolean;
  /** True when a dead stack's leftovers were cleaned up before starting again on its data. */
  recovered: boolean;
  elapsedMs: number;
}

export class StackStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StackStartError';
  }
}

const isSupervisor = (pid: number): boolean => commandLineOf(pid)?.includes(SUPERVISOR_MARKER) ?? false;

/** Supervisor alive and every emulator and stand-in answering. */
export const stackHealthy = async (state: StackState): Promise<boolean> =>
  isAlive(state.supervisorPid) &&
  (await kinesisHealthy(state.endpoints.kinesis)) &&
  (await dynamoDbHealthy(state.endpoints.dynamodb)) &&
  (state.endpoints.ssm === undefined || (await awsStandInsHealthy(state.endpoints.ssm)));

/** The number in the environment variable `name`, times `unit`; undefined when it is unset or blank. */
const numberFromEnv = (name: string, valid: (value: number) => boolean, unit = 1): number | undefined => {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || !valid(value)) throw new StackStartError(`${name}=${raw} is not valid`);
  return value * unit;
};

/** A busy emulator can miss one health check; only a stack that stays unhealthy is worth restarting. */
const staysUnhealthy = async (state: StackState, withinMs: number): Promise<boolean> => {
  const deadline = Date.now() + withinMs;
  for (;;) {
    if (await stackHealthy(state)) return false;
    if (!isAlive(state.supervisorPid) || Date.now() > deadline) return true;
    await delay(500);
  }
};

/**
 * Kills whatever a dead or stuck stack left behind: the supervisor's process group and every recorded
 * child, each only while its command line still shows it is ours. Returns true if anything was found.
 */
const killLeftovers = async (paths: StackPaths): Promise<boolean> => {
  const state = await readJsonIfExists<StackState>(paths.state);
  const processes = await readJsonIfExists<ProcessesFile>(paths.processes);
  let found = state !== undefined || processes !== undefined;
  for (const pid of new Set([state?.supervisorPid, processes?.supervisorPid])) {
    if (pid !== undefined && isSupervisor(pid)) {
      await terminate(pid, { graceMs: 0, killGroup: true });
      found = true;
    }
  }
  for (const child of [...(state?.children ?? []), ...(processes?.children ?? [])]) {
    const marker = EMULATOR_MARKERS[child.name as EmulatorName];
    if (marker !== undefined && killIfMatches(child.pid, marker)) found = true;
  }
  await rm(paths.state, { force: true });
  await rm(paths.processes, { force: true });
  return found;
};

/** Serialises `up` calls on one home: a second caller waits, then finds the stack the first one started. */
const withUpLock = async <T>(paths: StackPaths, work: () => Promise<T>, timeoutMs: number): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  // link() publishes the lock with its pid already inside, so nobody ever reads a half-written lock.
  const candidate = `${paths.upLock}.${process.pid}`;
  await writeFile(candidate, String(process.pid));
  try {
    for (;;) {
      try {
        await link(candidate, paths.upLock);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        const holder = Number(await readFile(paths.upLock, 'utf8').catch(() => '0'));
        if (!isAlive(holder)) {
          await rm(paths.upLock, { force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new StackStartError(`another \`ccb local up\` (pid ${holder}) holds ${paths.upLock}`);
        }
        await delay(200);
      }
    }
  } finally {
    await rm(candidate, { force: true });
  }
  try {
    return await work();
  } finally {
    await rm(paths.upLock, { force: true });
  }
};

const spawnSupervisor = (paths: StackPaths, config: SupervisorConfig) => {
  const logFile = openSync(paths.supervisorLog, 'a');
  try {
    // Its own process group (detached), so it outlives this command and `down` can signal the whole group.
    const child = spawn(process.execPath, ['--import', 'tsx', SUPERVISOR_SCRIPT], {
      cwd: projectRoot,
      detached: true,
      stdio: ['ignore', logFile, logFile],
      env: { ...process.env, [SUPERVISOR_CONFIG_ENV]: JSON.stringify(config) },
    });
    child.on('error', () => {});
    child.unref();
    return child;
  } finally {
    closeSync(logFile);
  }
};

/**
 * `ccb local up`: starts the stack unless a healthy one runs already. A stack whose supervisor died
 * (for example after `kill -9` of its process group) is cleaned up and started again on the same data,
 * so the poller resumes from its checkpoints.
 */
export const startStack = async (options: UpOptions = {}): Promise<UpResult> => {
  const started = Date.now();
  const home = resolve(options.home ?? stackHome());
  const paths = stackPaths(home);
  const timeoutMs = options.timeoutMs ?? 90_000;
  await mkdir(paths.logs, { recursive: true });
  if (!existsSync(paths.marker))
    await writeFile(
      paths.marker,
      'created by `ccb local up`; `ccb local down --purge` deletes this folder\n',
    );

  return withUpLock(
    paths,
    async () => {
      const existing = await readJsonIfExists<StackState>(paths.state);
      if (
        existing !== undefined &&
        isSupervisor(existing.supervisorPid) &&
        !(await staysUnhealthy(existing, 10_000))
      ) {
        const asked = options.spendSource;
        if (asked !== undefined && (existing.spendSource ?? 'producer') !== asked) {
          throw new StackStartError(
            `the running local stack counts ${existing.spendSource ?? 'producer'} spend; ` +
              `stop it (npx ccb local down) to start it with --spend-source ${asked}`,
          );
        }
        return { state: existing, started: false, recovered: false, elapsedMs: Date.now() - started };
      }
      const recovered = await killLeftovers(paths);

      const { timeoutMs: _timeoutMs, ...given } = options;
      const handlerModule = given.handlerModule ?? process.env.CCB_HANDLER_MODULE ?? DEFAULT_HANDLER_MODULE;
      if (!existsSync(resolveHandlerModule(handlerModule))) {
        throw new StackStartError(
          `the handler module ${handlerModule} does not exist (set CCB_HANDLER_MODULE or --handler)`,
        );
      }
      assertJava();
      // Sent as JSON: a setting that neither the options nor the environment give is left out.
      const config: SupervisorConfig = {
        ...given,
        home,
        stage: given.stage ?? 'local',
        shards: given.shards ?? 4,
        handlerModule,
        mapping: given.mapping ?? {},
        kinesisPersistInterval:
          given.kinesisPersistInterval ??
          process.env.CCB_KINESIS_PERSIST_INTERVAL ??
          DEFAULT_KINESIS_PERSIST_INTERVAL,
        // A factor >= 0 for every Wait (0.001 turns a 30-minute TTL into 1.8 s).
        sfnWaitScale: given.sfnWaitScale ?? numberFromEnv('CCB_SFN_WAIT_SCALE', (v) => v >= 0),
        // A fixed interval for every Retry, instead of IntervalSeconds x BackoffRate.
        sfnRetryIntervalMs:
          given.sfnRetryIntervalMs ??
          numberFromEnv('CCB_SFN_RETRY_INTERVAL_MS', (v) => v >= 0 && Number.isInteger(v)),
        checkIntervalMs:
          given.checkIntervalMs ?? numberFromEnv('CCB_CHECK_INTERVAL_SECONDS', (v) => v >= 0, 1000),
        archiveModule: given.archiveModule ?? process.env.CCB_ARCHIVE_MODULE,
      };
      const child = spawnSupervisor(paths, config);
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const state = await readJsonIfExists<StackState>(paths.state).catch(() => undefined);
        if (state !== undefined && state.supervisorPid === child.pid)
          return { state, started: true, recovered, elapsedMs: Date.now() - started };
        if (
          child.exitCode !== null ||
          child.signalCode !== null ||
          (child.pid !== undefined && !isAlive(child.pid))
        ) {
          throw new StackStartError(
            `the local stack failed to start; last lines of ${paths.supervisorLog}:\n${logTail(paths.supervisorLog, 25)}`,
          );
        }
        if (Date.now() > deadline) {
          if (child.pid !== undefined) await terminate(child.pid, { graceMs: 5_000, killGroup: true });
          throw new StackStartError(
            `the local stack was not ready after ${timeoutMs / 1000} s; see ${paths.supervisorLog}`,
          );
        }
        await delay(100);
      }
    },
    timeoutMs,
  );
};

export interface DownOptions {
  home?: string;
  /** Also delete the data: streams, tables, checkpoints, failures, logs. */
  purge?: boolean;
  graceMs?: number;
}

export interface DownResult {
  wasRunning: boolean;
  /** False when something had to be killed after the grace period. */
  graceful: boolean;
  purged: boolean;
}

/** Deletes the home folder when `up` created it; otherwise only the entries the stack itself writes. */
const purge = async (paths: StackPaths): Promise<void> => {
  if (existsSync(paths.marker)) {
    await rm(paths.home, { recursive: true, force: true });
    return;
  }
  const entries = [
    paths.kinesisData,
    paths.dynamodbData,
    paths.checkpoints,
    paths.failures,
    paths.logs,
    paths.eventSourceStatus,
    paths.aws,
    paths.consumers,
  ];
  await Promise.all(entries.map((entry) => rm(entry, { recursive: true, force: true })));
};

/** `ccb local down`: stops the supervisor (which stops the emulators in order), keeping the data unless purging. */
export const stopStack = async (options: DownOptions = {}): Promise<DownResult> => {
  const paths = stackPaths(resolve(options.home ?? stackHome()));
  const state = await readJsonIfExists<StackState>(paths.state);
  const processes = await readJsonIfExists<ProcessesFile>(paths.processes);
  const supervisorPid = state?.supervisorPid ?? processes?.supervisorPid;
  let wasRunning = false;
  let graceful = true;
  if (supervisorPid !== undefined && isSupervisor(supervisorPid)) {
    wasRunning = true;
    graceful = await terminate(supervisorPid, { graceMs: options.graceMs ?? 30_000, killGroup: true });
  }
  if (await killLeftovers(paths)) wasRunning ||= state !== undefined;
  await rm(paths.eventSourceStatus, { force: true });
  for (const consumer of await readdir(paths.consumers).catch(() => [])) {
    await rm(consumerPaths(paths.home, consumer).eventSourceStatus, { force: true });
  }
  if (options.purge) await purge(paths);
  return { wasRunning, graceful, purged: options.purge ?? false };
};

export interface ShardStatus extends ShardBacklog {
  shardId: string;
  checkpoint: string | null;
}

export interface StackStatus {
  home: string;
  /** A state file exists: the stack was started and not stopped. */
  running: boolean;
  healthy: boolean;
  startedAt: string | null;
  supervisor: { pid: number; alive: boolean } | null;
  emulators: { name: string; pid: number; alive: boolean; healthy: boolean; endpoint: string }[];
  stream: { name: string; arn: string | null; shards: ShardStatus[] } | null;
  tables: Record<string, string>;
  eventSource: EventSourceStatusFile | null;
  /** Discarded batches in the on-failure destination folder. */
  failureRecords: number;
  /** The further consumers of the stream this supervisor runs (the archive), with their discarded batches. */
  consumers: (EventSourceStatusFile & { failureRecords: number })[];
  /** Every service endpoint of the stack, by service (kinesis, dynamodb, ssm, ..., cloudwatch). */
  endpoints: StackState['endpoints'] | null;
  /** What the stack counts as spend. */
  spendSource: 'producer' | 'invocation-logs' | null;
}

const countFiles = async (directory: string): Promise<number> => {
  try {
    return (await readdir(directory)).filter((name) => name.endsWith('.json')).length;
  } catch {
    return 0;
  }
};

/** `ccb local status`: liveness and health of every process, and how far each shard's checkpoint lags. */
export const stackStatus = async (options: { home?: string } = {}): Promise<StackStatus> => {
  const home = resolve(options.home ?? stackHome());
  const paths = stackPaths(home);
  const state = await readJsonIfExists<StackState>(paths.state);
  const failureRecords = await countFiles(paths.failures);
  if (state === undefined) {
    return {
      home,
      running: false,
      healthy: false,
      startedAt: null,
      supervisor: null,
      emulators: [],
      stream: null,
      tables: {},
      eventSource: null,
      failureRecords,
      consumers: [],
      endpoints: null,
      spendSource: null,
    };
  }
  const probes: Record<string, { endpoint: string; healthy: (endpoint: string) => Promise<boolean> }> = {
    'kinesis-local': { endpoint: state.endpoints.kinesis, healthy: kinesisHealthy },
    'dynamodb-local': { endpoint: state.endpoints.dynamodb, healthy: dynamoDbHealthy },
    'aws-stand-ins': { endpoint: state.endpoints.ssm ?? '', healthy: awsStandInsHealthy },
  };
  const emulators = await Promise.all(
    state.children.map(async (child) => {
      const probe = probes[child.name];
      const endpoint = probe?.endpoint ?? '';
      const healthy = probe === undefined ? false : await probe.healthy(endpoint);
      return { name: child.name, pid: child.pid, alive: isAlive(child.pid), healthy, endpoint };
    }),
  );
  const supervisor = { pid: state.supervisorPid, alive: isSupervisor(state.supervisorPid) };
  const kinesisUp = emulators.some((emulator) => emulator.name === 'kinesis-local' && emulator.healthy);
  let shards: ShardStatus[] = [];
  if (kinesisUp) {
    const client = localKinesisClient(state);
    try {
      const reader = kinesisShardReader(client, state.streamName);
      const checkpoints = await readCheckpoints(paths.checkpoints);
      shards = await Promise.all(
        (await reader.listShards()).map(async (shardId) => ({
          shardId,
          checkpoint: checkpoints.get(shardId) ?? null,
          // One GetRecords per shard: deeper counts would compete with the poller for kinesis-local.
          ...(await shardBacklog(reader, shardId, checkpoints.get(shardId), 10_000)),
        })),
      );
    } finally {
      client.destroy();
    }
  }
  const eventSource = (await readJsonIfExists<EventSourceStatusFile>(paths.eventSourceStatus)) ?? null;
  const consumers = (await runningConsumers(home, state.supervisorPid)).map(async (consumer) => ({
    ...consumer,
    failureRecords: await countFiles(consumerPaths(home, consumer.functionName).failures),
  }));
  return {
    home,
    running: true,
    healthy: supervisor.alive && emulators.every((emulator) => emulator.alive && emulator.healthy),
    startedAt: state.startedAt,
    supervisor,
    emulators,
    stream: { name: state.streamName, arn: state.streamArn ?? null, shards },
    tables: state.tables ?? { spendTable: state.spendTable, quarantineTable: state.quarantineTable },
    eventSource,
    failureRecords,
    consumers: await Promise.all(consumers),
    endpoints: state.endpoints,
    spendSource: state.spendSource ?? 'producer',
  };
};
