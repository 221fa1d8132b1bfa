import { readJsonIfExists, writeJsonAtomic, writeQueue } from './json-file';
import type { CheckpointStore } from './kinesis-event-source';

/** The shape of `<home>/checkpoints.json`: the last processed sequence number of each shard. */
export interface CheckpointFile {
  version: 1;
  shards: Record<string, { sequenceNumber: string; updatedAt: string }>;
}

/** Reads the persisted checkpoints; a missing file means no shard has been processed yet. */
export const readCheckpoints = async (path: string): Promise<Map<string, string>> => {
  const file = await readJsonIfExists<CheckpointFile>(path);
  return new Map(
    Object.entries(file?.shards ?? {}).map(([shardId, entry]) => [shardId, entry.sequenceNumber]),
  );
};

/** Replaces the whole file, for corrections made before any poller runs. */
export const writeCheckpoints = async (
  path: string,
  checkpoints: ReadonlyMap<string, string>,
): Promise<void> => {
  const updatedAt = new Date().toISOString();
  await writeJsonAtomic(path, {
    version: 1,
    shards: Object.fromEntries(
      [...checkpoints].map(([shardId, sequenceNumber]) => [shardId, { sequenceNumber, updatedAt }]),
    ),
  } satisfies CheckpointFile);
};

/**
 * A checkpoint store backed by one JSON file, rewritten atomically after every save. Saves from parallel
 * shards are chained so that a slower write never replaces a newer one.
 */
export const fileCheckpointStore = (path: string): CheckpointStore => {
  let file: Promise<CheckpointFile> | undefined;
  const writes = writeQueue();

  // One shared read, so that saves racing at startup all update the same object.
  const loaded = (): Promise<CheckpointFile> => {
    file ??= readJsonIfExists<CheckpointFile>(path).then((read) => read ?? { version: 1, shards: {} });
    return file;
  };

  return {
    async load() {
      const current = await loaded();
      return new Map(
        Object.entries(current.shards).map(([shardId, entry]) => [shardId, entry.sequenceNumber]),
      );
    },
    async save(shardId, sequenceNumber) {
      const current = await loaded();
      current.shards[shardId] = { sequenceNumber, updatedAt: new Date().toISOString() };
      const snapshot = structuredClone(current);
      await writes.run(() => writeJsonAtomic(path, snapshot));
    },
  };
};
