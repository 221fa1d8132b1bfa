import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { aggregateEvents, packEvents } from '../../../producer/pack';
import { isPackedRecord, type PackedRecord } from '../../../producer/records';

const collect = async <T>(source: AsyncIterable<T>): Promise<T[]> => {
  const items: T[] = [];
  for await (const item of source) items.push(item);
  return items;
};

const linesOf = (record: PackedRecord): string[] => gunzipSync(record.packed).toString('utf8').split('\n');

describe('packEvents', () => {
  it('packs events into gzip NDJSON records, in order', async () => {
    const events = [{ session_id: 'a', n: 1 }, 'not json', { session_id: 'b', n: 2 }];

    const [record, ...rest] = await collect(packEvents(events, { buckets: 1 }));

    expect(rest).toEqual([]);
    if (!isPackedRecord(record)) throw new Error('expected a packed record');
    expect(record).toMatchObject({ partitionKey: 'pack-0', events: 3 });
    expect(linesOf(record)).toEqual(['{"session_id":"a","n":1}', 'not json', '{"session_id":"b","n":2}']);
  });

  it('closes a record at the event and byte limits', async () => {
    const events = Array.from({ length: 7 }, (_, n) => ({ session_id: `s${n}`, pad: 'x'.repeat(40) }));

    const byCount = await collect(packEvents(events, { maxEvents: 3, buckets: 1 }));
    const byBytes = await collect(packEvents(events, { maxBytes: 140, buckets: 1 }));

    expect(byCount.map((r) => (isPackedRecord(r) ? r.events : 0))).toEqual([3, 3, 1]);
    expect(byBytes.map((r) => (isPackedRecord(r) ? r.events : 0))).toEqual([2, 2, 2, 1]);
  });

  it('keeps every event of a session under one partition key, and every event exactly once', async () => {
    const events = Array.from({ length: 300 }, (_, n) => ({ session_id: `s${n % 37}`, n }));

    const records = (await collect(packEvents(events, { maxEvents: 20 }))).filter(isPackedRecord);

    const keysBySession = new Map<string, Set<string>>();
    const seen: number[] = [];
    for (const record of records) {
      for (const line of linesOf(record)) {
        const event = JSON.parse(line) as { session_id: string; n: number };
        seen.push(event.n);
        keysBySession.set(
          event.session_id,
          (keysBySession.get(event.session_id) ?? new Set()).add(record.partitionKey),
        );
      }
    }
    expect(seen.sort((a, b) => a - b)).toEqual(events.map((e) => e.n));
    expect([...keysBySession.values()].every((keys) => keys.size === 1)).toBe(true);
  });

  it('passes alone what a line-based record could not hold', async () => {
    const multiLine = 'line one\nline two';

    const records = await collect(packEvents([{ session_id: 'a' }, multiLine]));

    expect(records[0]).toBe(multiLine);
    expect(isPackedRecord(records[1])).toBe(true);
  });

  it('is still exported under its old name, aggregateEvents, for producers that import it', () => {
    expect(aggregateEvents).toBe(packEvents);
  });
});
