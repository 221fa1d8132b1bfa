export interface ShardStats {
  state: 'starting' | 'polling' | 'invoking' | 'retrying' | 'ended';
  checkpoint: string | null;
  millisBehindLatest: number;
  invocations: number;
  recordsDelivered: number;
  lastInvocationAt: string | null;
}

export interface EventSourceStats {
  invocations: number;
  /** Records handed to the function, counting a retried record each time it is sent. */
  recordsDelivered: number;
  /** Records whose outcome is final: processed, or discarded to the failure destination. */
  recordsCheckpointed: number;
  retries: number;
  bisects: number;
  functionErrors: number;
  partialBatchFailures: number;
  wholeBatchFailuresByResponse: number;
  recordsToFailureDestination: number;
  discardedBatches: number;
  /** Failed reads, checkpoint writes or destination writes; each one restarts the shard from its checkpoint. */
  pollErrors: number;
  shards: Record<string, ShardStats>;
}

/** The counters of the whole event source, summed over its shards. */
export type EventSourceTotals = Omit<EventSourceStats, 'shards'>;

export const emptyTotals = (): EventSourceTotals => ({
  invocations: 0,
  recordsDelivered: 0,
  recordsCheckpointed: 0,
  retries: 0,
  bisects: 0,
  functionErrors: 0,
  partialBatchFailures: 0,
  wholeBatchFailuresByResponse: 0,
  recordsToFailureDestination: 0,
  discardedBatches: 0,
  pollErrors: 0,
});

export const emptyShardStats = (checkpoint: string | undefined): ShardStats => ({
  state: 'starting',
  checkpoint: checkpoint ?? null,
  millisBehindLatest: 0,
  invocations: 0,
  recordsDelivered: 0,
  lastInvocationAt: null,
});
