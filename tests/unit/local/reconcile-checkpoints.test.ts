import { describe, expect, it } from '@jest/globals';
import { reconcileCheckpoints } from '../../../scripts/local/reconcile-checkpoints';
import { InMemoryStream, ManualClock } from '../../helpers/in-memory-kinesis';

const SHARD = InMemoryStream.shardId(0);

describe('reconcileCheckpoints', () => {
  it('leaves a checkpoint alone while its record is still in the shard', async () => {
    const stream = new InMemoryStream(1, new ManualClock());
    const records = stream.put(SHARD, ['a', 'b', 'c']);

    const corrections = await reconcileCheckpoints(
      stream,
      new Map([[SHARD, records[1]?.sequenceNumber ?? '']]),
    );

    expect(corrections).toEqual([]);
  });

  it('moves a checkpoint back to the last record left when the emulator lost the records after it', async () => {
    // Prepare
    const stream = new InMemoryStream(1, new ManualClock());
    const kept = stream.put(SHARD, ['a', 'b']);
    const lost = stream.put(SHARD, ['c', 'd']);
    stream.loseTail(SHARD, 2);

    // Act
    const corrections = await reconcileCheckpoints(stream, new Map([[SHARD, lost[1]?.sequenceNumber ?? '']]));

    // Assess
    expect(corrections).toEqual([
      { shardId: SHARD, from: lost[1]?.sequenceNumber, to: kept[1]?.sequenceNumber },
    ]);
  });

  it('starts from TRIM_HORIZON when no record at or before the checkpoint is left', async () => {
    // Prepare
    const stream = new InMemoryStream(1, new ManualClock());
    const records = stream.put(SHARD, ['a', 'b', 'c']);
    stream.trimHead(SHARD, 2);

    // Act
    const corrections = await reconcileCheckpoints(
      stream,
      new Map([[SHARD, records[0]?.sequenceNumber ?? '']]),
    );

    // Assess
    expect(corrections).toEqual([{ shardId: SHARD, from: records[0]?.sequenceNumber, to: undefined }]);
  });

  it('ignores checkpoints of shards the stream does not have', async () => {
    const stream = new InMemoryStream(1, new ManualClock());

    expect(await reconcileCheckpoints(stream, new Map([['shardId-000000000009', '1']]))).toEqual([]);
  });
});
