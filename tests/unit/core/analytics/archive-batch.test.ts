import { describe, expect, it } from '@jest/globals';
import { createArchiveBatch, streamPosition } from '../../../../functions/core/analytics/archive-batch';
import type { ArchivedEvent } from '../../../../functions/core/analytics/archived-event';
import type { ArchiveSink } from '../../../../functions/core/analytics/ports';
import { ArchiveDeliveryError } from '../../../../functions/core/analytics/send-in-batches';
import { eventPosition } from '../../../../functions/core/events/record-payloads';
import { DEFAULT_PRICE_TABLE } from '../../../../functions/core/pricing/price-table';
import { aBatch, aPackedBatch, aV1Event, aV2Event } from '../../../helpers/cost-events';

/** An in-memory archive: keeps what it is sent, or fails after accepting the first `acceptFirst` rows. */
const anArchive = (options: { acceptFirst?: number } = {}) => {
  const received: ArchivedEvent[] = [];
  const sink: ArchiveSink = {
    async send(events) {
      const accepted = options.acceptFirst ?? events.length;
      received.push(...events.slice(0, accepted));
      if (accepted < events.length)
        throw new ArchiveDeliveryError(events.length, accepted, events.length - accepted, 'down');
      return { records: events.length, batches: 1, retried: 0 };
    },
  };
  return { sink, received };
};

describe('the archive use case', () => {
  it('archives valid events as the aggregate reads them (packed gzip NDJSON and single, v1 and v2), priced, with their stream position', async () => {
    // Prepare
    const archive = anArchive();
    const [packed] = aPackedBatch([[aV2Event({ event_id: 'a' }), aV2Event({ event_id: 'b' })]], {
      gzip: true,
    });
    const [single] = aBatch([aV1Event()], {
      firstSequence: 49_660_000_000_000_000_000_000_000_000_000_000_000_000_000_100n,
    });
    if (packed === undefined || single === undefined) throw new Error('no records');

    // Act
    const result = await createArchiveBatch({ sink: archive.sink, prices: DEFAULT_PRICE_TABLE })([
      packed,
      single,
    ]);

    // Assess
    expect(result).toEqual({ records: 2, archived: 3, skipped: 0, batches: 1, retried: 0 });
    expect(archive.received.map((row) => row.stream_position)).toEqual([
      streamPosition(packed.shardId, eventPosition(packed.sequenceNumber, 0)),
      streamPosition(packed.shardId, eventPosition(packed.sequenceNumber, 1)),
      streamPosition(single.shardId, eventPosition(single.sequenceNumber, 0)),
    ]);
    expect(archive.received[0]).toMatchObject({
      event_id: 'a',
      day: '2025-03-15',
      hour: 14,
      cost_nano: 8_400_000,
      arrived_at: '2025-03-15T14:23:02.000Z',
    });
    expect(archive.received[2]).toMatchObject({
      schema_version: '1',
      language: 'unknown',
      request_id: 'req-abc123',
    });
  });

  it('skips and counts invalid events and undecodable records: quarantine is the aggregate’s job', async () => {
    // Prepare
    const archive = anArchive();
    const records = aBatch(['{oops', aV2Event({ intent: 'Free text' }), aV2Event({ event_id: 'ok' })]);

    // Act
    const result = await createArchiveBatch({ sink: archive.sink, prices: DEFAULT_PRICE_TABLE })(records);

    // Assess
    expect(result).toMatchObject({ records: 3, archived: 1, skipped: 2 });
    expect(archive.received.map((row) => row.event_id)).toEqual(['ok']);
  });

  it('does not call the archive when a batch has no valid event', async () => {
    // Prepare
    const sink: ArchiveSink = {
      send: async () => {
        throw new Error('should not be called');
      },
    };

    // Act
    const result = await createArchiveBatch({ sink, prices: DEFAULT_PRICE_TABLE })(aBatch(['nope']));

    // Assess
    expect(result).toEqual({ records: 1, archived: 0, skipped: 1, batches: 0, retried: 0 });
  });

  it('returns the first record not fully archived when delivery fails midway', async () => {
    // Prepare: three packed records of two events each; the archive takes three rows, then fails.
    const archive = anArchive({ acceptFirst: 3 });
    const records = aPackedBatch([
      [aV2Event({ event_id: 'a1' }), aV2Event({ event_id: 'a2' })],
      [aV2Event({ event_id: 'b1' }), aV2Event({ event_id: 'b2' })],
      [aV2Event({ event_id: 'c1' }), aV2Event({ event_id: 'c2' })],
    ]);

    // Act
    const result = await createArchiveBatch({ sink: archive.sink, prices: DEFAULT_PRICE_TABLE })(records);

    // Assess
    expect(result).toMatchObject({ archived: 3, firstFailedSequenceNumber: records[1]?.sequenceNumber });
    expect(result.failure).toBeInstanceOf(ArchiveDeliveryError);
  });

  it('rethrows an error that is not a delivery failure', async () => {
    const sink: ArchiveSink = {
      send: async () => {
        throw new TypeError('bug');
      },
    };

    await expect(
      createArchiveBatch({ sink, prices: DEFAULT_PRICE_TABLE })(aBatch([aV2Event()])),
    ).rejects.toThrow(TypeError);
  });
});
