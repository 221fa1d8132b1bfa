import type { EventSourceMappingSettings } from './mapping';
import {
  type CheckpointStore,
  type Clock,
  type EventSourceLog,
  type FailureDestination,
  type Invoke,
  type ShardReader,
  silentLog,
  systemClock,
} from './ports';
import type { EventSourceTotals } from './stats';

export interface EventSourceOptions {
  streamArn: string;
  region: string;
  functionArn: string;
  invokeIdentityArn: string;
  mapping?: Partial<EventSourceMappingSettings>;
  /** Delay between GetRecords calls on an idle shard; Lambda polls once a second, locally faster. */
  idlePollMs?: number;
  /** Delay before retrying a failed batch, multiplied by the attempt number (capped at 5 s). */
  retryBackoffMs?: number;
  /** Delay after a throttled or failed read before re-acquiring the iterator. */
  readBackoffMs?: number;
  /** Lambda's synchronous invocation payload limit. */
  maxPayloadBytes?: number;
}

export interface EventSourcePorts {
  reader: ShardReader;
  invoke: Invoke;
  checkpoints: CheckpointStore;
  failures: FailureDestination;
  clock?: Clock;
  log?: EventSourceLog;
}

/** What the parts of one event source share: its settings with their defaults, ports, counters and stop signal. */
export interface EventSourceRuntime {
  readonly mapping: EventSourceMappingSettings;
  readonly options: EventSourceOptions;
  readonly ports: EventSourcePorts;
  readonly clock: Clock;
  readonly log: EventSourceLog;
  readonly idlePollMs: number;
  readonly retryBackoffMs: number;
  readonly readBackoffMs: number;
  readonly maxPayloadBytes: number;
  readonly windowMs: number;
  /** The part of a record's payload estimate that does not depend on the record. */
  readonly fixedOverhead: number;
  readonly totals: EventSourceTotals;
  readonly signal: AbortSignal;
  /** Resolves after `ms`, or as soon as a stop is requested. */
  sleep(ms: number): Promise<void>;
}

const SIX_MB = 6 * 1024 * 1024;

export const createRuntime = (
  ports: EventSourcePorts,
  options: EventSourceOptions,
  mapping: EventSourceMappingSettings,
  totals: EventSourceTotals,
  signal: AbortSignal,
): EventSourceRuntime => {
  const clock = ports.clock ?? systemClock;
  return {
    mapping,
    options,
    ports,
    clock,
    log: ports.log ?? silentLog,
    idlePollMs: options.idlePollMs ?? 200,
    retryBackoffMs: options.retryBackoffMs ?? 200,
    readBackoffMs: options.readBackoffMs ?? 500,
    maxPayloadBytes: options.maxPayloadBytes ?? SIX_MB,
    windowMs: mapping.MaximumBatchingWindowInSeconds * 1000,
    fixedOverhead: 300 + 2 * options.streamArn.length + options.invokeIdentityArn.length,
    totals,
    signal,
    sleep: (ms) => clock.sleep(ms, signal),
  };
};
