import { setTimeout as delay } from 'node:timers/promises';
import { localKinesisClient } from '../lib/local-clients';
import { type StackState, stackHome } from '../lib/stack-context';
import { shardBacklog } from './backlog';
import { readCheckpoints } from './checkpoints';
import { kinesisShardReader } from './kinesis-shard-reader';
import { stackPaths } from './paths';
import { isAlive } from './processes';

export interface DrainOptions {
  /** Give up after this many seconds. Default 120. */
  timeoutSeconds?: number;
  /** Pause between checks. Default 100 ms. */
  pollMs?: number;
  /** Where the checkpoints are; default the state's home, else stackHome(). */
  home?: string;
  /** Called after each check with the shards that still have records after their checkpoint. */
  onPending?: (pending: readonly { shardId: string; behind: number }[]) => void;
}

export interface DrainResult {
  elapsedMs: number;
  shards: { shardId: string; checkpoint: string | null }[];
}

export class DrainTimeoutError extends Error {
  constructor(
    readonly pending: readonly { shardId: string; behind: number }[],
    timeoutSeconds: number,
  ) {
    super(
      `records were still unprocessed after ${timeoutSeconds} s: ${pending
        .map((shard) => `${shard.shardId} has ${shard.behind}+ after its checkpoint`)
        .join(', ')}`,
    );
    this.name = 'DrainTimeoutError';
  }
}

export class SupervisorDownError extends Error {
  constructor(pid: number) {
    super(
      `the local stack's supervisor (pid ${pid}) is not running, so nothing reads the stream; run: npx ccb local up`,
    );
    this.name = 'SupervisorDownError';
  }
}

/**
 * Resolves once every record put to the stream before the call has been processed: each shard has
 * nothing after its persisted checkpoint (the poller saves it only after the batch's outcome is final).
 * Rejects with DrainTimeoutError on timeout and SupervisorDownError when no poller is running.
 */
export const drain = async (state: StackState, options: DrainOptions = {}): Promise<DrainResult> => {
  const started = Date.now();
  const timeoutSeconds = options.timeoutSeconds ?? 120;
  const deadline = started + timeoutSeconds * 1000;
  const paths = stackPaths(options.home ?? state.home ?? stackHome());
  const client = localKinesisClient(state);
  try {
    const reader = kinesisShardReader(client, state.streamName);
    const shardIds = await reader.listShards();
    // A shard found drained stays drained for the records put before this call, so it is not read again.
    const pending = new Set(shardIds);
    // kinesis-local is single-threaded and every read here slows the poller, so a shard that was behind
    // is read again only once its checkpoint has moved: until then it is still behind.
    const checkedAt = new Map<string, string | undefined>();
    for (;;) {
      if (!isAlive(state.supervisorPid)) throw new SupervisorDownError(state.supervisorPid);
      const checkpoints = await readCheckpoints(paths.checkpoints);
      const behind: { shardId: string; behind: number }[] = [];
      for (const shardId of pending) {
        const checkpoint = checkpoints.get(shardId);
        if (checkedAt.has(shardId) && checkedAt.get(shardId) === checkpoint) {
          behind.push({ shardId, behind: 1 });
          continue;
        }
        checkedAt.set(shardId, checkpoint);
        const backlog = await shardBacklog(reader, shardId, checkpoint, 1);
        if (backlog.records === 0) pending.delete(shardId);
        else behind.push({ shardId, behind: backlog.records });
      }
      options.onPending?.(behind);
      if (pending.size === 0) {
        return {
          elapsedMs: Date.now() - started,
          shards: shardIds.map((shardId) => ({ shardId, checkpoint: checkpoints.get(shardId) ?? null })),
        };
      }
      if (Date.now() > deadline) throw new DrainTimeoutError(behind, timeoutSeconds);
      await delay(options.pollMs ?? 100);
    }
  } finally {
    client.destroy();
  }
};
