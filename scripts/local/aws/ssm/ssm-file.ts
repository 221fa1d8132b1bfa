import { readJsonIfExists, writeJsonAtomic, writeQueue } from '../../json-file';
import type { SsmFile } from './parameter-store';

/**
 * The Parameter Store's file: read once at start, rewritten whole after each write. Each write
 * writes the state as it is when its turn comes, so the file never goes back in time.
 */
export const openSsmFile = async (file: string) => {
  const state: SsmFile = (await readJsonIfExists<SsmFile>(file)) ?? { parameters: {} };
  const writes = writeQueue();
  return {
    state,
    save: (): Promise<void> => writes.run(() => writeJsonAtomic(file, state)),
    /** Resolves once every write queued so far is on disk (or failed). */
    flush: writes.settled,
  };
};
