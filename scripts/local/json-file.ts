import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

let sequence = 0;

/**
 * Writes JSON so readers see either the old or the new content, never a torn file: a crash between
 * the write and the rename leaves only a stray temporary file behind.
 */
export const writeJsonAtomic = async (path: string, value: unknown): Promise<void> => {
  await mkdir(dirname(path), { recursive: true });
  sequence += 1;
  const temporary = `${path}.${process.pid}.${sequence}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify(value, null, 2)}\n`);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
};

/** Returns undefined when the file does not exist; any other failure (bad JSON, permissions) throws. */
export const readJsonIfExists = async <T>(path: string): Promise<T | undefined> => {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return JSON.parse(text) as T;
};

/** One-at-a-time runner for the writes to one file, so a slower write never lands after a newer one. */
export interface WriteQueue {
  /** Runs `write` after the writes queued before it; a failed write fails only its own caller. */
  run(write: () => Promise<void>): Promise<void>;
  /** Resolves once every write queued so far has settled. */
  settled(): Promise<void>;
}

export const writeQueue = (): WriteQueue => {
  let last: Promise<void> = Promise.resolve();
  return {
    run(write) {
      const result = last.then(write);
      last = result.catch(() => undefined);
      return result;
    },
    settled: () => last,
  };
};
