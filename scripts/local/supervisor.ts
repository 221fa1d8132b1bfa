import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localKinesisClient } from '../lib/local-clients';
import { LOCAL_ACCOUNT_ID, localResources } from '../lib/stack-context';
import { writeJsonAtomic } from './json-file';
import { endpointsOf, startChildren, waitUntilChildrenHealthy, watchChildren } from './supervisor/children';
import type { SupervisorConfig } from './supervisor/config';
import { provisionStack } from './supervisor/provisioning';
import { shutdown as stopSupervised } from './supervisor/shutdown';
import { adoptFunctionEnvironment, startConsumers } from './supervisor/start-consumers';
import { recordProcesses, stackStateOf, startStatusTimer, writeStatus } from './supervisor/status-files';
import { consumersOf } from './supervisor/stream-consumers';
import { supervisorLog as log, nothingStarted, startupTimings } from './supervisor/supervised';

export { type EventSourceStatusFile, resolveHandlerModule } from './consumer';
export {
  DEFAULT_ARCHIVE_MODULE,
  DEFAULT_CHECK_INTERVAL_MS,
  DEFAULT_CHECK_MODULE,
  RECONCILE_FLAGS_MODULE,
  type SupervisorConfig,
} from './supervisor/config';
export type { ProcessesFile } from './supervisor/status-files';

/** What `ccb local up` hands to the supervisor process, as JSON in this environment variable. */
export const SUPERVISOR_CONFIG_ENV = 'CCB_SUPERVISOR_CONFIG';
export const SUPERVISOR_SCRIPT = fileURLToPath(import.meta.url);
/** Part of the supervisor's command line, to recognise its pid after a crash. */
export const SUPERVISOR_MARKER = join('local', 'supervisor.ts');
export { LOCAL_ACCOUNT_ID };

/**
 * Runs the local stack in this process: both emulators as children, the stream and tables, the
 * aggregate's event-source poller invoking its handler in-process, and the archive's in a worker thread.
 * Stops everything in order on SIGTERM or SIGINT.
 */
export const runSupervisor = async (config: SupervisorConfig): Promise<void> => {
  const resources = localResources(config.stage);
  const consumers = consumersOf(config);
  const supervised = nothingStarted(config);
  const shutdown = (exitCode: number, reason: string) => stopSupervised(supervised, exitCode, reason);

  process.on('SIGTERM', () => void shutdown(0, 'SIGTERM'));
  process.on('SIGINT', () => void shutdown(0, 'SIGINT'));
  process.on('unhandledRejection', (error) => void shutdown(1, `unhandled rejection: ${String(error)}`));

  try {
    const startedAt = new Date();
    const timings = startupTimings(startedAt);
    const children = await startChildren(supervised, resources);
    const { tables, functionEnvironment } = children;
    await recordProcesses(supervised);
    watchChildren(supervised, shutdown);
    await waitUntilChildrenHealthy(children, timings);

    const endpoints = endpointsOf(children);
    const kinesisClient = localKinesisClient({ region: resources.region, endpoints });
    supervised.kinesisClient = kinesisClient;
    const { stream, reader } = await provisionStack({
      config,
      kinesisClient,
      consumers,
      resources,
      endpoints,
      tables,
    });
    adoptFunctionEnvironment({ resources, endpoints }, functionEnvironment, consumers);
    timings.mark('provisioned');
    await startConsumers(
      supervised,
      consumers,
      { resources, endpoints, stream, reader },
      { timings, shutdown },
    );
    timings.mark('consumersStarted');
    await writeStatus(supervised);
    startStatusTimer(supervised);

    const state = stackStateOf(supervised, {
      resources,
      startedAt,
      endpoints,
      stream,
      tables,
      functionEnvironment,
    });
    // Written last: its presence with this pid is what tells `up` the stack is ready.
    await writeJsonAtomic(supervised.paths.state, state);
    log('info', 'ready', {
      ms: timings.elapsed(),
      timings: timings.timings,
      endpoints,
      streamArn: stream.arn,
    });
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
