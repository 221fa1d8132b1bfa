import type {
  CheckpointStore,
  Clock,
  FailureDestination,
  OnFailureRecord,
  ShardRead,
  ShardReader,
  StartingPosition,
  StreamRecord,
} from '../../scripts/local/kinesis-event-source';

/**
 * An in-memory Kinesis stream behind the ShardReader port. Sequence numbers are zero-padded decimals, so
 * they compare as strings in the same order as the real ones compare as numbers.
 */
export class InMemoryStream implements ShardReader {
  readonly shards = new Map<string, StreamRecord[]>();
  readonly iteratorRequests: { shardId: string; position: StartingPosition }[] = [];
  readonly reads: { shardId: string; limit: number; returned: number }[] = [];
  /** Called before each read with the number of reads so far, to make records arrive mid-poll. */
  onRead: ((readCount: number) => void) | undefined;
  private readonly closed = new Set<string>();
  private readonly readFailures: Error[] = [];
  private nextSequence = 1;

  constructor(
    shardCount: number,
    private readonly clock: Clock,
  ) {
    for (let index = 0; index < shardCount; index += 1) this.shards.set(InMemoryStream.shardId(index), []);
  }

  static shardId(index: number): string {
    return `shardId-${String(index).padStart(12, '0')}`;
  }

  /** Appends records to a shard and returns them; `arrivedAt` backdates their arrival. */
  put(shardId: string, payloads: readonly string[], arrivedAt?: number): StreamRecord[] {
    const shard = this.shard(shardId);
    const records = payloads.map((payload) => ({
      sequenceNumber: `4960${String(this.nextSequence++).padStart(52, '0')}`,
      partitionKey: `pk-${payload}`,
      data: new TextEncoder().encode(payload),
      approximateArrivalTimestamp: new Date(arrivedAt ?? this.clock.now()),
    }));
    shard.push(...records);
    return records;
  }

  close(shardId: string): void {
    this.closed.add(shardId);
  }

  /** The next read (on any shard) throws this error instead of returning records. */
  failNextRead(error: Error): void {
    this.readFailures.push(error);
  }

  async listShards(): Promise<string[]> {
    return [...this.shards.keys()];
  }

  /** Drops the last `count` records, as kinesis-local does with records it had not persisted before a crash. */
  loseTail(shardId: string, count: number): StreamRecord[] {
    const shard = this.shard(shardId);
    return shard.splice(shard.length - count, count);
  }

  /** Drops the first `count` records, as the retention period does. */
  trimHead(shardId: string, count: number): void {
    this.shard(shardId).splice(0, count);
  }

  async iterator(shardId: string, position: StartingPosition): Promise<string> {
    this.iteratorRequests.push({ shardId, position });
    const shard = this.shard(shardId);
    if (position.type === 'TRIM_HORIZON') return `${shardId}|0`;
    const at = shard.findIndex((record) => record.sequenceNumber === position.sequenceNumber);
    if (position.type === 'AT_SEQUENCE_NUMBER') {
      if (at === -1)
        throw new Error(`Unable to find record with provided SequenceNumber ${position.sequenceNumber}`);
      return `${shardId}|${at}`;
    }
    const after = shard.findIndex((record) => record.sequenceNumber > position.sequenceNumber);
    return `${shardId}|${after === -1 ? shard.length : after}`;
  }

  async read(iterator: string, limit: number): Promise<ShardRead> {
    this.onRead?.(this.reads.length);
    const failure = this.readFailures.shift();
    if (failure !== undefined) throw failure;
    const [shardId = '', offsetText = '0'] = iterator.split('|');
    const shard = this.shard(shardId);
    const offset = Number(offsetText);
    const records = shard.slice(offset, offset + limit);
    this.reads.push({ shardId, limit, returned: records.length });
    const next = offset + records.length;
    const ended = this.closed.has(shardId) && next >= shard.length;
    return {
      records,
      nextIterator: ended ? undefined : `${shardId}|${next}`,
      millisBehindLatest: next < shard.length ? 1_000 : 0,
    };
  }

  private shard(shardId: string): StreamRecord[] {
    const shard = this.shards.get(shardId);
    if (shard === undefined) throw new Error(`no shard ${shardId}`);
    return shard;
  }
}

export class InMemoryCheckpoints implements CheckpointStore {
  readonly saved: { shardId: string; sequenceNumber: string }[] = [];

  constructor(readonly current = new Map<string, string>()) {}

  async load(): Promise<Map<string, string>> {
    return new Map(this.current);
  }

  async save(shardId: string, sequenceNumber: string): Promise<void> {
    this.current.set(shardId, sequenceNumber);
    this.saved.push({ shardId, sequenceNumber });
  }
}

export class InMemoryFailureDestination implements FailureDestination {
  readonly records: OnFailureRecord[] = [];

  async send(record: OnFailureRecord): Promise<void> {
    this.records.push(record);
  }
}

/**
 * Virtual time: `sleep` moves the clock forward at once and yields to the other pending work, so a test
 * of a one-second batching window takes microseconds and never depends on the machine's speed.
 */
export class ManualClock implements Clock {
  constructor(private current = Date.UTC(2026, 0, 15, 12, 0, 0)) {}

  now(): number {
    return this.current;
  }

  async sleep(ms: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted) return;
    this.current += Math.max(ms, 1);
    await new Promise((resolve) => setImmediate(resolve));
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
