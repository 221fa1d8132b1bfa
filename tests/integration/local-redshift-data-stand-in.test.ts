import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  CancelStatementCommand,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  type RedshiftDataClient,
  ResourceNotFoundException,
  ValidationException,
} from '@aws-sdk/client-redshift-data';
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import {
  RedshiftDataWarehouse,
  WarehouseQueryError,
} from '../../functions/adapters/warehouse/redshift-data-warehouse';
import { bundledSql } from '../../functions/adapters/warehouse/sql-catalog';
import { readQueryFiles } from '../../scripts/build/warehouse-sql';
import { localRedshiftDataClient } from '../../scripts/lib/local-clients';
import { createRedshiftDataService } from '../../scripts/local/aws/redshift-data';
import { type AwsStandIns, serveAwsStandIns } from '../../scripts/local/aws/server';
import { PgliteWarehouse } from '../../scripts/local/warehouse/pglite-warehouse';
import { loadArchivedEvents, warehouseDb } from '../../scripts/local/warehouse/warehouse-db';
import { baselineHistory, DAY, openTestWarehouse, reportDay } from '../helpers/warehouse-fixtures';

// A fresh PGlite database takes a few seconds.
jest.setTimeout(60_000);

const PARAMETERS = { day: DAY, limit: 3, max_ratio: 10 };

/** Describes the statement again until it has ended (FINISHED, FAILED or ABORTED), within a generous bound. */
const settled = async <T extends { Status?: string }>(describe: () => Promise<T>): Promise<T> => {
  for (const deadline = Date.now() + 30_000; ; await delay(20)) {
    const statement = await describe();
    if (statement.Status !== 'SUBMITTED' && statement.Status !== 'STARTED') return statement;
    if (Date.now() > deadline) throw new Error(`the statement is still ${statement.Status} after 30 s`);
  }
};
const quickPolls = { poll: { initialMs: 5, factor: 1.5, maxMs: 50 } };

/**
 * The Redshift Data API stand-in in the stand-ins server, driven by the same RedshiftDataWarehouse
 * adapter `ccb report` and the baselines function use, over the SDK's wire protocol.
 */
describe('the local Redshift Data API stand-in', () => {
  let home = '';
  let server: AwsStandIns;
  let client: RedshiftDataClient;
  let db: PGlite;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-redshift-data-'));
    server = await serveAwsStandIns({ home, stage: 'it' }, () => {});
    db = await warehouseDb(home);
    await loadArchivedEvents(db, [...reportDay(), ...baselineHistory()]);
    client = localRedshiftDataClient({
      region: 'us-east-1',
      endpoints: { kinesis: '', dynamodb: '', ssm: server.endpoint },
    });
  });

  afterAll(async () => {
    client?.destroy();
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('returns every query as the PGlite adapter does, typed the same way, through the Data API adapter', async () => {
    // Prepare
    const viaApi = new RedshiftDataWarehouse(client, {
      target: { database: 'ccb', workgroupName: 'ccb-it' },
      sql: bundledSql,
      ...quickPolls,
    });
    const direct = new PgliteWarehouse(db, bundledSql);

    for (const name of Object.keys(readQueryFiles())) {
      // Act
      const [apiRows, directRows] = await Promise.all([
        viaApi.query(name, PARAMETERS),
        direct.query(name, PARAMETERS),
      ]);

      // Assess
      expect({ name, rows: apiRows }).toEqual({ name, rows: directRows });
      expect(apiRows.length).toBeGreaterThan(0);
    }
  });

  it('ends a statement whose SQL fails as FAILED, with the database error, which the adapter reports', async () => {
    const broken = new RedshiftDataWarehouse(client, {
      target: { database: 'ccb', workgroupName: 'ccb-it' },
      sql: () => 'SELECT no_such_column FROM cost_events_unique WHERE day = CAST(:day AS DATE)',
      ...quickPolls,
    });

    const failure = broken.query('reports/broken', { day: DAY });

    await expect(failure).rejects.toThrow(WarehouseQueryError);
    await expect(failure).rejects.toMatchObject({
      status: 'FAILED',
      detail: expect.stringContaining('no_such_column'),
    });
  });

  it('answers like the API for a missing parameter, an unknown statement and a cancel of a finished one', async () => {
    await expect(
      client.send(
        new ExecuteStatementCommand({ Sql: 'SELECT :day', Database: 'ccb', WorkgroupName: 'ccb-it' }),
      ),
    ).rejects.toThrow(ValidationException);
    await expect(client.send(new DescribeStatementCommand({ Id: 'no-such-statement' }))).rejects.toThrow(
      ResourceNotFoundException,
    );
    const { Id } = await client.send(
      new ExecuteStatementCommand({
        Sql: 'SELECT 1 AS one',
        Database: 'ccb',
        ClusterIdentifier: 'ccb-it',
        DbUser: 'ccb',
      }),
    );
    expect(await settled(() => client.send(new DescribeStatementCommand({ Id })))).toMatchObject({
      Status: 'FINISHED',
      HasResultSet: true,
      ResultRows: 1,
      ClusterIdentifier: 'ccb-it',
    });
    await expect(client.send(new CancelStatementCommand({ Id }))).rejects.toThrow(ValidationException);
  });
});

describe('the Redshift Data API stand-in service', () => {
  let db: PGlite;

  beforeAll(async () => {
    db = await openTestWarehouse(reportDay());
  });

  afterAll(async () => {
    await db.close();
  });

  it('pages results with NextToken and Redshift-shaped columns and fields, NULL included', async () => {
    // Prepare
    const service = createRedshiftDataService({ db: async () => db, pageSize: 2 });
    const { Id } = (await service.handle('ExecuteStatement', {
      Sql: 'SELECT event_id, cost_nano, cache_hit, occurred_at, day, CAST(NULL AS VARCHAR) AS nothing, 0.5 :: FLOAT8 AS half FROM cost_events_unique WHERE day = CAST(:day AS DATE) AND intent = :intent ORDER BY event_id',
      Database: 'ccb',
      WorkgroupName: 'ccb-it',
      Parameters: [
        { name: 'day', value: DAY },
        { name: 'intent', value: 'faq' },
      ],
    })) as { Id: string };
    await settled(async () => (await service.handle('DescribeStatement', { Id })) as { Status?: string });

    // Act
    const first = (await service.handle('GetStatementResult', { Id })) as {
      Records: unknown[];
      NextToken?: string;
      ColumnMetadata: unknown[];
    };
    const second = (await service.handle('GetStatementResult', {
      Id,
      NextToken: first.NextToken,
    })) as typeof first;

    // Assess
    expect(first.ColumnMetadata).toEqual([
      expect.objectContaining({ name: 'event_id', typeName: 'varchar' }),
      expect.objectContaining({ name: 'cost_nano', typeName: 'int8' }),
      expect.objectContaining({ name: 'cache_hit', typeName: 'bool' }),
      expect.objectContaining({ name: 'occurred_at', typeName: 'timestamp' }),
      expect.objectContaining({ name: 'day', typeName: 'date' }),
      expect.objectContaining({ name: 'nothing', typeName: 'varchar' }),
      expect.objectContaining({ name: 'half', typeName: 'float8' }),
    ]);
    expect(first.Records).toEqual([
      [
        { stringValue: 'e3' },
        { longValue: 0 },
        { booleanValue: true },
        { stringValue: '2025-03-15 09:10:00' },
        { stringValue: DAY },
        { isNull: true },
        { doubleValue: 0.5 },
      ],
      [
        { stringValue: 'e4' },
        { longValue: 375_000 },
        { booleanValue: false },
        { stringValue: '2025-03-15 09:11:00' },
        { stringValue: DAY },
        { isNull: true },
        { doubleValue: 0.5 },
      ],
    ]);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.Records).toHaveLength(1);
    expect(second.NextToken).toBeUndefined();
  });

  it('marks a statement cancelled while it runs ABORTED, and keeps it so when its query ends', async () => {
    let release: () => void = () => {};
    let queried: () => void = () => {};
    const running = new Promise<void>((resolve) => (queried = resolve));
    const slow = {
      query: () => {
        queried();
        return new Promise((resolve) => (release = () => resolve({ fields: [], rows: [] })));
      },
    };
    const service = createRedshiftDataService({ db: async () => slow as unknown as PGlite });
    const { Id } = (await service.handle('ExecuteStatement', {
      Sql: 'SELECT 1',
      Database: 'ccb',
      WorkgroupName: 'w',
    })) as { Id: string };
    await running;

    expect(await service.handle('DescribeStatement', { Id })).toMatchObject({ Status: 'STARTED' });
    expect(await service.handle('CancelStatement', { Id })).toEqual({ Status: true });
    release();
    // The query's end reaches the statement through promise callbacks only: one turn of the event
    // loop runs them all.
    await new Promise((resolve) => setImmediate(resolve));
    expect(await service.handle('DescribeStatement', { Id })).toMatchObject({ Status: 'ABORTED' });
    await expect(service.handle('GetStatementResult', { Id })).rejects.toMatchObject({
      code: 'ValidationException',
    });
  });
});
