import { join } from 'node:path';
import { writeJsonAtomic } from './json-file';
import type { FailureDestination, OnFailureRecord } from './kinesis-event-source';

/**
 * The local on-failure destination: one JSON file per discarded batch, in the shape Lambda sends to an
 * SQS or SNS destination, named so that a directory listing sorts by time.
 */
export const fileFailureDestination = (directory: string): FailureDestination => ({
  async send(record: OnFailureRecord) {
    const { shardId, startSequenceNumber } = record.KinesisBatchInfo;
    const stamp = record.timestamp.replace(/[:.]/g, '-');
    await writeJsonAtomic(join(directory, `${stamp}_${shardId}_${startSequenceNumber}.json`), record);
  },
});
