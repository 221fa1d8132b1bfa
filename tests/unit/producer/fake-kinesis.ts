import { gunzipSync } from 'node:zlib';
import type { PutRecordsCommand, PutRecordsCommandOutput } from '@aws-sdk/client-kinesis';
import type { KinesisPort } from '../../../producer';

export interface SentRecord {
  data: string;
  partitionKey: string;
  /** Data plus partition key bytes, as Kinesis counts them. */
  size: number;
}

/** What the fake does with one request: a per-record outcome (undefined = accepted) or a thrown error. */
export type Outcome = (string | undefined)[] | Error;

export type Decide = (records: SentRecord[], requestIndex: number) => Outcome | Promise<Outcome>;

export interface FakeKinesis extends KinesisPort {
  /** Every request received, in the order received. */
  requests: SentRecord[][];
  /** Records Kinesis would have stored, in the order it stored them. */
  stored: SentRecord[];
}

const decoder = new TextDecoder();

/** A Kinesis stand-in that answers PutRecords as `decide` says; by default it accepts everything. */
export const fakeKinesis = (decide: Decide = () => []): FakeKinesis => {
  const requests: SentRecord[][] = [];
  const stored: SentRecord[] = [];
  return {
    requests,
    stored,
    async send(command: PutRecordsCommand): Promise<PutRecordsCommandOutput> {
      const records = (command.input.Records ?? []).map((entry) => {
        const partitionKey = entry.PartitionKey ?? '';
        const data = entry.Data ?? new Uint8Array();
        return {
          // A packed record is gzip: the tests read its NDJSON.
          data: decoder.decode(data[0] === 0x1f && data[1] === 0x8b ? gunzipSync(data) : data),
          partitionKey,
          size: data.byteLength + Buffer.byteLength(partitionKey),
        };
      });
      const requestIndex = requests.length;
      requests.push(records);
      const outcome = await decide(records, requestIndex);
      if (outcome instanceof Error) throw outcome;
      const results = records.map((record, index) => {
        const errorCode = outcome[index];
        if (errorCode) return { ErrorCode: errorCode, ErrorMessage: `${errorCode} (fake)` };
        stored.push(record);
        return { SequenceNumber: String(stored.length), ShardId: 'shardId-000000000000' };
      });
      return {
        FailedRecordCount: results.filter((result) => 'ErrorCode' in result).length,
        Records: results,
        $metadata: { httpStatusCode: 200 },
      };
    },
  };
};

/** An error shaped like the SDK's service exceptions. */
export const serviceError = (name: string, httpStatusCode = 400): Error =>
  Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode } });

export interface TestEvent {
  session_id?: string;
  seq: number;
  pad?: string;
}

export const parseSeq = (record: SentRecord): number => (JSON.parse(record.data) as TestEvent).seq;
