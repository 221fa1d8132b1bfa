import type { PricedCostEvent } from '../../functions/core/events/cost-event';
import { decodeCostEvent, type QuarantineReason } from '../../functions/core/events/decode';
import { DEFAULT_PRICE_TABLE } from '../../functions/core/pricing/price-table';

export type ReplayLine = string | Uint8Array | object;

export interface StreamCounts {
  lines: number;
  counted: number;
  duplicates: number;
  quarantined: Partial<Record<QuarantineReason, number>>;
  /** Events older than the reorder window allowed: counted, but judged later than their own time. */
  late: number;
}

/**
 * How far back the lab remembers event ids: a producer's retry comes within seconds. A duplicate later
 * than this is counted twice, which over-estimates and never under-counts.
 */
export const DEDUPE_WINDOW_MS = 3_600_000;

const encoder = new TextEncoder();

const bytesOf = (line: ReplayLine): Uint8Array =>
  line instanceof Uint8Array ? line : encoder.encode(typeof line === 'string' ? line : JSON.stringify(line));

/** A binary min-heap on event time, ties in arrival order: the reorder buffer. */
class EventHeap {
  private readonly items: { event: PricedCostEvent; seq: number }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  peek(): PricedCostEvent | undefined {
    return this.items[0]?.event;
  }

  push(event: PricedCostEvent): void {
    const items = this.items;
    items.push({ event, seq: this.seq++ });
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  pop(): PricedCostEvent | undefined {
    const items = this.items;
    const top = items[0];
    const last = items.pop();
    if (items.length > 0 && last !== undefined) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && this.less(l, m)) m = l;
        if (r < items.length && this.less(r, m)) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top?.event;
  }

  private less(a: number, b: number): boolean {
    const x = this.items[a];
    const y = this.items[b];
    if (x === undefined || y === undefined) return false;
    return (
      x.event.occurredAt < y.event.occurredAt || (x.event.occurredAt === y.event.occurredAt && x.seq < y.seq)
    );
  }

  private swap(a: number, b: number): void {
    const items = this.items;
    const t = items[a] as (typeof items)[number];
    items[a] = items[b] as (typeof items)[number];
    items[b] = t;
  }
}

/**
 * Lines as the ingestion would count them, in event-time order: decoded, validated and priced by the
 * same core (bad lines are quarantined and counted as such), duplicates of an event id dropped, and
 * events held in a reorder buffer of `reorderMs` so a file written slightly out of order replays in
 * order. Memory is the buffer and the dedupe window, not the file.
 */
export async function* countedEvents(
  lines: AsyncIterable<ReplayLine> | Iterable<ReplayLine>,
  counts: StreamCounts,
  reorderMs: number,
): AsyncGenerator<PricedCostEvent> {
  const heap = new EventHeap();
  const seen = new Map<string, number>();
  let latest = Number.NEGATIVE_INFINITY;
  let released = Number.NEGATIVE_INFINITY;
  let sincePrune = 0;
  for await (const line of lines) {
    counts.lines += 1;
    const decoded = decodeCostEvent(bytesOf(line), DEFAULT_PRICE_TABLE);
    if (!decoded.ok) {
      counts.quarantined[decoded.reason] = (counts.quarantined[decoded.reason] ?? 0) + 1;
      continue;
    }
    const event = decoded.event;
    if (seen.has(event.eventId)) {
      counts.duplicates += 1;
      continue;
    }
    seen.set(event.eventId, event.occurredAt);
    if (++sincePrune >= 10_000) {
      sincePrune = 0;
      for (const [id, at] of seen) if (at < latest - DEDUPE_WINDOW_MS) seen.delete(id);
    }
    if (event.occurredAt < released) counts.late += 1;
    heap.push(event);
    latest = Math.max(latest, event.occurredAt);
    while (heap.size > 0 && (heap.peek()?.occurredAt ?? 0) <= latest - reorderMs) {
      const next = heap.pop() as PricedCostEvent;
      released = Math.max(released, next.occurredAt);
      counts.counted += 1;
      yield next;
    }
  }
  while (heap.size > 0) {
    counts.counted += 1;
    yield heap.pop() as PricedCostEvent;
  }
}
