import { rm } from 'node:fs/promises';
import type { StackState } from '../../lib/stack-context';
import { readJsonIfExists } from '../json-file';
import { terminate } from '../processes';
import { writeStatus } from './status-files';
import { supervisorLog as log, type Supervised } from './supervised';

const CONSUMERS_GRACE_MS = 15_000;

const withTimeout = async (work: Promise<void>, ms: number): Promise<void> => {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((done) => (timer = setTimeout(done, ms)))]);
  clearTimeout(timer);
};

/** Lets the mappings finish the batches under way (their outcome is checkpointed), within a grace period. */
const stopConsumers = async (supervised: Supervised): Promise<void> => {
  const { running, workers } = supervised;
  if (running.length + workers.length === 0) return;
  await withTimeout(
    Promise.all([
      ...running.map(({ eventSource }) => eventSource.stop()),
      ...workers.map((worker) => worker.stop(CONSUMERS_GRACE_MS)),
    ]).then(() => {}),
    CONSUMERS_GRACE_MS,
  );
  await writeStatus(supervised);
};

const stopChildren = async (supervised: Supervised): Promise<void> => {
  // kinesis-local waits for open keep-alive connections before it exits on SIGTERM.
  supervised.kinesisClient?.destroy();
  await Promise.all(
    supervised.children.map(async (child) => {
      const since = Date.now();
      const graceful = await terminate(child.pid, { graceMs: 5_000 });
      log('info', `${child.name} stopped`, { ms: Date.now() - since, graceful });
    }),
  );
};

/** After a clean stop nothing is left running: the files that say a stack runs go too. */
const removeRunFiles = async ({ paths }: Supervised): Promise<void> => {
  const state = await readJsonIfExists<StackState>(paths.state);
  if (state?.supervisorPid === process.pid) await rm(paths.state, { force: true });
  await rm(paths.processes, { force: true });
};

/** Stops everything the supervisor started, in order (once, however often it is asked), then exits. */
export const shutdown = async (supervised: Supervised, exitCode: number, reason: string): Promise<void> => {
  if (supervised.shuttingDown) return;
  supervised.shuttingDown = true;
  log(exitCode === 0 ? 'info' : 'error', `stopping: ${reason}`);
  clearInterval(supervised.statusTimer);
  for (const timer of supervised.checkTimers) clearInterval(timer);
  try {
    await stopConsumers(supervised);
    await stopChildren(supervised);
    if (exitCode === 0) await removeRunFiles(supervised);
  } catch (error) {
    log('error', 'shutdown failed', { error: String(error) });
  }
  process.exit(exitCode);
};
