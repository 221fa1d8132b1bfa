import { recordPayloadBytes } from './lambda-event';
import type { StreamRecord } from './ports';
import type { EventSourceRuntime } from './runtime';
import type { ShardStats } from './stats';

const MAX_GET_RECORDS = 10_000;

/** Where a shard's poller stands: its iterator, and the records read ahead of the next batch. */
export interface ReadAhead {
  iterator: string | undefined;
  /** A closed shard has been read to its end. */
  ended: boolean;
  buffer: StreamRecord[];
  /** When the buffer's first record was read: the batching window runs from there. */
  bufferStartedAt: number;
}

export const emptyReadAhead = (): ReadAhead => ({
  iterator: undefined,
  ended: false,
  buffer: [],
  bufferStartedAt: 0,
});

/**
 * Reads until the buffer holds BatchSize records, the batching window since its first record has passed,
 * the shard has ended, or a stop is requested; an idle shard is polled every idlePollMs.
 */
export const fillBatchWindow = async (
  runtime: EventSourceRuntime,
  stats: ShardStats,
  ahead: ReadAhead,
): Promise<void> => {
  const { mapping, clock } = runtime;
  while (
    !runtime.signal.aborted &&
    !ahead.ended &&
    ahead.iterator !== undefined &&
    ahead.buffer.length < mapping.BatchSize
  ) {
    const windowLeft =
      ahead.buffer.length === 0
        ? Number.POSITIVE_INFINITY
        : ahead.bufferStartedAt + runtime.windowMs - clock.now();
    if (windowLeft <= 0) break;
    const read = await runtime.ports.reader.read(
      ahead.iterator,
      Math.min(MAX_GET_RECORDS, mapping.BatchSize - ahead.buffer.length),
    );
    stats.millisBehindLatest = read.millisBehindLatest;
    ahead.iterator = read.nextIterator;
    if (ahead.iterator === undefined) ahead.ended = true;
    if (read.records.length > 0) {
      if (ahead.buffer.length === 0) ahead.bufferStartedAt = clock.now();
      ahead.buffer.push(...read.records);
      continue;
    }
    await runtime.sleep(Math.min(runtime.idlePollMs, windowLeft));
  }
};

/** Takes the next batch off the read-ahead buffer within BatchSize and the payload limit. */
export const takeBatch = (runtime: EventSourceRuntime, buffer: StreamRecord[]): StreamRecord[] => {
  let bytes = 0;
  let count = 0;
  for (const record of buffer) {
    if (count >= runtime.mapping.BatchSize) break;
    const size = recordPayloadBytes(record, runtime.fixedOverhead);
    if (count > 0 && bytes + size > runtime.maxPayloadBytes) break;
    bytes += size;
    count += 1;
  }
  return buffer.splice(0, count);
};
