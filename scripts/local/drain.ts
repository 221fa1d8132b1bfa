import { setTimeout as delay } from 'node:timers/promises';
import { localKinesisClient } from '../lib/local-clients';
import { type StackState, stackHome } from '../lib/stack-context';
import { shardBacklog } from './backlog';
import { readCheckpoints } from './checkpoints';
import { runningConsumers } from './consumers';
import { kinesisShardReader } from './kinesis-shard-reader';
import { consumerPaths, stackPaths } from './paths';
import { isAlive } from './processes';

export interface DrainOptions {
  /** Give up after this many seconds. Default 120. */
  timeoutSeconds?: number;
  /** Pause between checks. Default 100 ms. */
  pollMs?: number;
  /** Where the checkpoints are; default the state's home, else stackHome(). */
  home?: string;
  /**
   * Whose checkpoints to wait for: every mapping on the stream (the aggregate and the archive), or only
   * the aggregate's, which is all the breaker needs. Default `all`.
   */
  consumers?: 'all' | 'aggregate';
  /** Called after each check with the shards that still have records after their checkpoint. */
  onPending?: (pending: readonly PendingShard[]) => void;
}

/** A shard with records after a mapping's checkpoint; `consumer` names the mapping unless it is the aggregate's. */
export interface PendingShard {
  shardId: string;
  behind: number;
  consumer?: string;
}

export interface DrainResult {
  elapsedMs: number;
  /** The aggregate's checkpoints. */
  shards: { shardId: string; checkpoint: string | null }[];
  /** The checkpoints of the other mappings waited for (the archive's). */
  consumers: { functionName: string; shards: { shardId: string; checkpoint: string | null }[] }[];
}

export class DrainTimeoutError extends Error {
  constructor(
    readonly pending: readonly PendingShard[],
    timeoutSeconds: number,
  ) {
    super(
      `records were still unprocessed after ${timeoutSeconds} s: ${pending
        .map(
          (shard) =>
            `${shard.shardId} has ${shard.behind}+ after ${shard.consumer === undefined ? 'its' : `${shard.consumer}'s`} checkpoint`,
        )
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
 * Resolves once every record put to the stream before the call has been processed by every mapping on
 * it (or only the aggregate's): each shard has nothing after the mapping's persisted checkpoint (the
 * poller saves it only after the batch's outcome is final). Rejects with DrainTimeoutError on timeout and
 * SupervisorDownError when no poller is running.
 */
export const drain = async (state: StackState, options: DrainOptions = {}): Promise<DrainResult> => {
  const started = Date.now();
  const timeoutSeconds = options.timeoutSeconds ?? 120;
  const deadline = started + timeoutSeconds * 1000;
  const home = options.home ?? state.home ?? stackHome();
  const paths = stackPaths(home);
  const others =
    options.consumers === 'aggregate'
      ? []
      : (await runningConsumers(home, state.supervisorPid)).map(({ functionName }) => ({
          functionName,
          checkpoints: consumerPaths(home, functionName).checkpoints,
        }));
  const mappings: { functionName?: string; checkpoints: string }[] = [
    { checkpoints: paths.checkpoints },
    ...others,
  ];
  const client = localKinesisClient(state);
  try {
    const reader = kinesisShardReader(client, state.streamName);
    const shardIds = await reader.listShards();
    const keyOf = (mapping: number, shardId: string) => `${mapping} ${shardId}`;
    // A shard found drained stays drained for the records put before this call, so it is not read again.
    const pending = new Set(
      mappings.flatMap((_, mapping) => shardIds.map((shardId) => keyOf(mapping, shardId))),
    );
    // kinesis-local is single-threaded and every read here slows the pollers, so a shard that was behind
    // is read again only once its checkpoint has moved: until then it is still behind.
    const checkedAt = new Map<string, string | undefined>();
    for (;;) {
      if (!isAlive(state.supervisorPid)) throw new SupervisorDownError(state.supervisorPid);
      const checkpoints = await Promise.all(mappings.map((mapping) => readCheckpoints(mapping.checkpoints)));
      const behind: PendingShard[] = [];
      for (const [index, mapping] of mappings.entries()) {
        for (const shardId of shardIds) {
          const key = keyOf(index, shardId);
          if (!pending.has(key)) continue;
          const consumer = mapping.functionName === undefined ? {} : { consumer: mapping.functionName };
          const checkpoint = checkpoints[index]?.get(shardId);
          if (checkedAt.has(key) && checkedAt.get(key) === checkpoint) {
            behind.push({ shardId, behind: 1, ...consumer });
            continue;
          }
          checkedAt.set(key, checkpoint);
          const backlog = await shardBacklog(reader, shardId, checkpoint, 1);
          if (backlog.records === 0) pending.delete(key);
          else behind.push({ shardId, behind: backlog.records, ...consumer });
        }
      }
      options.onPending?.(behind);
      if (pending.size === 0) {
        const shardsOf = (index: number) =>
          shardIds.map((shardId) => ({ shardId, checkpoint: checkpoints[index]?.get(shardId) ?? null }));
        return {
          elapsedMs: Date.now() - started,
          shards: shardsOf(0),
          consumers: others.map(({ functionName }, index) => ({ functionName, shards: shardsOf(index + 1) })),
        };
      }
      if (Date.now() > deadline) throw new DrainTimeoutError(behind, timeoutSeconds);
      await delay(options.pollMs ?? 100);
    }
  } finally {
    client.destroy();
  }
};
