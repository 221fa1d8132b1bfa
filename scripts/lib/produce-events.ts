import {
  type CostEventInput,
  type CostEventProducerOptions,
  createCostEventProducer,
  type PackOptions,
  type ProducerStats,
  packEvents,
} from '../../producer';

export interface ProduceProgress extends ProducerStats {
  elapsedMs: number;
  /** Events read from the source so far (a packed record carries many). */
  events: number;
}

export interface ProduceOptions extends Omit<CostEventProducerOptions, 'onProgress'> {
  onProgress?: (progress: ProduceProgress) => void;
  /** Milliseconds, for elapsed time. Default performance.now. */
  now?: () => number;
  /** Pack events into gzip NDJSON records (the default); false puts one event per record. */
  pack?: PackOptions | false;
}

export interface ProduceSummary {
  /** Events read from the source. */
  events: number;
  /** Records sent (packed, each carries many events). */
  sent: number;
  rejected: number;
  retries: number;
  batches: number;
  bytes: number;
  elapsedMs: number;
  eventsPerSecond: number;
  rejectedByReason: Record<string, number>;
}

/**
 * Sends every event of a source through a cost event producer and waits until each one is sent
 * or rejected. For `ccb produce`, the demo and the benchmarks. When the source itself fails (an
 * unreadable file), what was already read is still flushed before the error is rethrown.
 */
export const produceEvents = async (
  source: Iterable<CostEventInput> | AsyncIterable<CostEventInput>,
  options: ProduceOptions,
): Promise<ProduceSummary> => {
  const { onProgress, now = () => performance.now(), pack = {}, ...producerOptions } = options;
  const started = now();
  let events = 0;
  async function* counted() {
    for await (const event of source) {
      events += 1;
      yield event;
    }
  }
  const producer = createCostEventProducer({
    ...producerOptions,
    onProgress: onProgress && ((stats) => onProgress({ ...stats, events, elapsedMs: now() - started })),
  });
  let stats: ProducerStats;
  try {
    await producer.putMany(pack === false ? counted() : packEvents(counted(), pack));
  } finally {
    stats = await producer.flush();
  }
  const elapsedMs = now() - started;
  return {
    events,
    sent: stats.sent,
    rejected: stats.rejected,
    retries: stats.retries,
    batches: stats.batches,
    bytes: stats.bytesSent,
    elapsedMs: Math.round(elapsedMs),
    eventsPerSecond: elapsedMs > 0 ? Math.round(events / (elapsedMs / 1_000)) : 0,
    rejectedByReason: stats.rejectedByReason,
  };
};
