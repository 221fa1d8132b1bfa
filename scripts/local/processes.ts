import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

const hasProc = existsSync('/proc/self/stat');

/** True while the process exists and is not a zombie (an exited child nobody has reaped yet). */
export const isAlive = (pid: number): boolean => {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (!hasProc) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state letter follows the parenthesised command name, which may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

/** The command line of a live process, used to check a recorded pid was not reused by something else. */
export const commandLineOf = (pid: number): string | undefined => {
  if (!isAlive(pid)) return undefined;
  try {
    if (hasProc) return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
};

export const waitForExit = async (pid: number, timeoutMs: number): Promise<boolean> => {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await delay(50);
  }
  return true;
};

const signal = (target: number, name: NodeJS.Signals): void => {
  try {
    process.kill(target, name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
};

/**
 * SIGTERM, then SIGKILL once `graceMs` has passed (kinesis-local sometimes ignores SIGTERM).
 * Only `pid` gets the SIGTERM, so a supervisor can stop its children in order; with `killGroup`, the
 * whole process group it leads gets a SIGKILL afterwards, which reaches any child it left behind.
 * Resolves true when the process ended within the grace period.
 */
export const terminate = async (
  pid: number,
  options: { graceMs: number; killGroup?: boolean },
): Promise<boolean> => {
  let graceful = true;
  if (isAlive(pid)) {
    signal(pid, 'SIGTERM');
    graceful = await waitForExit(pid, options.graceMs);
    if (!graceful) signal(pid, 'SIGKILL');
  }
  if (options.killGroup) signal(-pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  return graceful;
};

/** SIGKILL a recorded pid, but only while its command line still matches, so a reused pid is left alone. */
export const killIfMatches = (pid: number, marker: string): boolean => {
  const commandLine = commandLineOf(pid);
  if (commandLine === undefined || !commandLine.includes(marker)) return false;
  signal(pid, 'SIGKILL');
  return true;
};
