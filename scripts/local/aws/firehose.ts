import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { ArchivedEvent } from '../../../functions/core/analytics/archived-event';
import { FIREHOSE_LIMITS } from '../../../functions/core/analytics/batch-records';
import { readJsonIfExists, writeJsonAtomic } from '../json-file';
import type { Logger } from '../log';
import { AwsServiceError, dispatchJsonOperation, requiredString } from './protocol';

const gzipAsync = promisify(gzip);

/**
 * `<root>/fault.json`, read on every request so a test or a person can make the delivery stream fail
 * while the stack runs: `unavailable` answers every call with ServiceUnavailableException (HTTP 503, which
 * the SDK retries, then throws); `rejectEvery: n` rejects every n-th record of PutRecordBatch with an
 * ErrorCode, as a partial failure does on AWS.
 */
export interface FirehoseFault {
  unavailable?: boolean;
  rejectEvery?: number;
}

export interface FirehoseServiceOptions {
  /** `<home>/aws/firehose`: one folder per delivery stream, and fault.json. */
  root: string;
  region: string;
  accountId: string;
  /** The delivery streams that exist (DirectPut); any other name is ResourceNotFoundException. */
  deliveryStreams: readonly string[];
  /** Loads a delivered object's rows into the warehouse, as the Redshift destination's COPY does. */
  load: (rows: ArchivedEvent[]) => Promise<number>;
  log: Logger;
  now?: () => Date;
}

/** Where the stand-in writes its objects: `<root>/<stream>/<YYYY>/<MM>/<DD>/<HH>/<name>.gz`. */
export const firehoseFaultFile = (root: string): string => join(root, 'fault.json');

/** Makes the local delivery streams fail (or work again, with `undefined`) from outside the stand-ins. */
export const setFirehoseFault = async (root: string, fault: FirehoseFault | undefined): Promise<void> => {
  if (fault === undefined) await rm(firehoseFaultFile(root), { force: true });
  else await writeJsonAtomic(firehoseFaultFile(root), fault);
};

interface Partition {
  prefix: string;
  lines: Buffer[];
  rows: ArchivedEvent[];
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const pad = (n: number) => String(n).padStart(2, '0');

/** The events' own day and hour, as the S3 prefix on AWS; the arrival hour for a record without them. */
const partitionOf = (row: Partial<ArchivedEvent> | undefined, arrival: Date): string => {
  const day = typeof row?.day === 'string' ? DAY.exec(row.day) : null;
  const hour = row?.hour;
  if (day !== null && typeof hour === 'number' && Number.isInteger(hour) && hour >= 0 && hour < 24)
    return `${day[1]}/${day[2]}/${day[3]}/${pad(hour)}`;
  return `${arrival.getUTCFullYear()}/${pad(arrival.getUTCMonth() + 1)}/${pad(arrival.getUTCDate())}/${pad(arrival.getUTCHours())}`;
};

const parseLines = (data: Buffer): { rows: ArchivedEvent[]; unreadable: number } => {
  const rows: ArchivedEvent[] = [];
  let unreadable = 0;
  for (const line of data.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === 'object' && !Array.isArray(value))
        rows.push(value as ArchivedEvent);
      else unreadable += 1;
    } catch {
      unreadable += 1;
    }
  }
  return { rows, unreadable };
};

const decodeRecords = (body: Record<string, unknown>, field: 'Records' | 'Record'): Buffer[] => {
  const raw = field === 'Records' ? body.Records : [body.Record];
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > FIREHOSE_LIMITS.maxRecords) {
    throw new AwsServiceError(
      'ValidationException',
      `1 validation error detected: Value at '${field.toLowerCase()}' failed to satisfy constraint: ` +
        `Member must have length between 1 and ${FIREHOSE_LIMITS.maxRecords}`,
    );
  }
  const records = raw.map((record: unknown) => {
    const data = (record as { Data?: unknown } | null)?.Data;
    if (typeof data !== 'string')
      throw new AwsServiceError(
        'ValidationException',
        `1 validation error detected: ${field}.Data must not be null`,
      );
    return Buffer.from(data, 'base64');
  });
  const tooLarge = records.findIndex((record) => record.byteLength > FIREHOSE_LIMITS.maxRecordBytes);
  if (tooLarge !== -1)
    throw new AwsServiceError('InvalidArgumentException', `Record ${tooLarge} is larger than 1000 KiB`);
  const total = records.reduce((sum, record) => sum + record.byteLength, 0);
  if (total > FIREHOSE_LIMITS.maxBatchBytes)
    throw new AwsServiceError('InvalidArgumentException', `Records size ${total} exceeds the 4 MiB limit`);
  return records;
};

/**
 * Amazon Data Firehose, the part the archive path uses (PutRecordBatch, PutRecord, DescribeDeliveryStream,
 * awsJson1_1). Each accepted call is delivered at once: its records are written as gzip NDJSON objects
 * partitioned by the events' day and hour, then their rows are loaded into the local warehouse. An object
 * whose load fails stays on disk and is listed in `<stream>/errors/`, as the Redshift destination leaves a
 * manifest of what COPY could not load; the records were accepted either way.
 */
export const createFirehoseService = (options: FirehoseServiceOptions) => {
  const now = options.now ?? (() => new Date());
  const streams = new Set(options.deliveryStreams);
  let recordsSeen = 0;

  const streamOf = (body: Record<string, unknown>): string => {
    const name = requiredString(body, 'DeliveryStreamName');
    if (!streams.has(name)) {
      throw new AwsServiceError(
        'ResourceNotFoundException',
        `Firehose ${name} under account ${options.accountId} not found.`,
      );
    }
    return name;
  };

  const currentFault = async (): Promise<FirehoseFault> =>
    (await readJsonIfExists<FirehoseFault>(firehoseFaultFile(options.root)).catch(() => undefined)) ?? {};

  const writeObject = async (stream: string, partition: Partition, arrival: Date): Promise<string> => {
    const stamp = arrival.toISOString().replace(/[-:T]/g, '-').slice(0, 19);
    const path = join(options.root, stream, partition.prefix, `${stream}-1-${stamp}-${randomUUID()}.gz`);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.tmp`;
    await writeFile(temporary, await gzipAsync(Buffer.concat(partition.lines)));
    await rename(temporary, path);
    return path;
  };

  /** Writes the accepted records, then loads their rows; a failed load is recorded, not thrown. */
  const deliver = async (stream: string, records: readonly Buffer[]): Promise<void> => {
    const arrival = now();
    const partitions = new Map<string, Partition>();
    let unreadable = 0;
    for (const record of records) {
      const parsed = parseLines(record);
      unreadable += parsed.unreadable;
      const prefix = partitionOf(parsed.rows[0], arrival);
      const partition = partitions.get(prefix) ?? { prefix, lines: [], rows: [] };
      partition.lines.push(record);
      partition.rows.push(...parsed.rows);
      partitions.set(prefix, partition);
    }
    for (const partition of partitions.values()) {
      const object = await writeObject(stream, partition, arrival);
      if (partition.rows.length === 0) continue;
      try {
        await options.load(partition.rows);
      } catch (error) {
        options.log('error', 'loading a delivered object into the warehouse failed', {
          object,
          error: String(error),
        });
        await writeJsonAtomic(join(options.root, stream, 'errors', `${randomUUID()}.json`), {
          object,
          rows: partition.rows.length,
          error: String(error),
          at: arrival.toISOString(),
        });
      }
    }
    if (unreadable > 0)
      options.log('warn', 'records with lines that are not JSON objects', { stream, unreadable });
  };

  const putRecordBatch = async (body: Record<string, unknown>, { rejectEvery }: FirehoseFault) => {
    const stream = streamOf(body);
    const records = decodeRecords(body, 'Records');
    const accepted: Buffer[] = [];
    const responses = records.map((record) => {
      recordsSeen += 1;
      if (rejectEvery !== undefined && rejectEvery > 0 && recordsSeen % rejectEvery === 0) {
        return { ErrorCode: 'ServiceUnavailableException', ErrorMessage: 'Slow down.' };
      }
      accepted.push(record);
      return { RecordId: randomUUID() };
    });
    await deliver(stream, accepted);
    return {
      FailedPutCount: records.length - accepted.length,
      Encrypted: false,
      RequestResponses: responses,
    };
  };

  const putRecord = async (body: Record<string, unknown>) => {
    const stream = streamOf(body);
    await deliver(stream, decodeRecords(body, 'Record'));
    return { RecordId: randomUUID(), Encrypted: false };
  };

  const describeDeliveryStream = (body: Record<string, unknown>) => {
    const stream = streamOf(body);
    return {
      DeliveryStreamDescription: {
        DeliveryStreamName: stream,
        DeliveryStreamARN: `arn:aws:firehose:${options.region}:${options.accountId}:deliverystream/${stream}`,
        DeliveryStreamStatus: 'ACTIVE',
        DeliveryStreamType: 'DirectPut',
        VersionId: '1',
        Destinations: [
          {
            DestinationId: 'destinationId-000000000001',
            ExtendedS3DestinationDescription: {
              BucketARN: `arn:aws:s3:::local-${stream}`,
              Prefix: `${stream}/`,
              CompressionFormat: 'GZIP',
              BufferingHints: { IntervalInSeconds: 0, SizeInMBs: 1 },
              RoleARN: `arn:aws:iam::${options.accountId}:role/${stream}-delivery`,
              EncryptionConfiguration: { NoEncryptionConfig: 'NoEncryption' },
            },
          },
        ],
        HasMoreDestinations: false,
      },
    };
  };

  const dispatch = (fault: FirehoseFault) =>
    dispatchJsonOperation('Firehose', {
      PutRecordBatch: (body) => putRecordBatch(body, fault),
      PutRecord: putRecord,
      DescribeDeliveryStream: describeDeliveryStream,
    });

  return {
    /** Reads fault.json once per request: `unavailable` fails the call, `rejectEvery` applies to its records. */
    async handle(operation: string, body: Record<string, unknown>): Promise<unknown> {
      const fault = await currentFault();
      if (fault.unavailable) {
        throw new AwsServiceError(
          'ServiceUnavailableException',
          'Firehose is unavailable (local fault injection)',
          { status: 503, fault: 'Receiver' },
        );
      }
      return dispatch(fault)(operation, body);
    },
  };
};
