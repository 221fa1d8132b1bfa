import {
  CancelStatementCommand,
  type ColumnMetadata,
  DescribeStatementCommand,
  ExecuteStatementCommand,
  GetStatementResultCommand,
  RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import { beforeEach, describe, expect, it } from '@jest/globals';
import { mockClient } from 'aws-sdk-client-mock';
import {
  RedshiftDataWarehouse,
  type RedshiftDataWarehouseOptions,
  WarehouseQueryError,
  WarehouseTimeoutError,
} from '../../../../functions/adapters/warehouse/redshift-data-warehouse';

const redshift = mockClient(RedshiftDataClient);
const SQL: Record<string, string> = {
  'reports/daily-total': 'SELECT COUNT(*) AS events FROM cost_events_unique WHERE day = CAST(:day AS DATE)',
  'reports/top-sessions': 'SELECT * FROM t WHERE day = CAST(:day AS DATE) AND r <= CAST(:limit AS INTEGER)',
};

/** A clock the fake sleep advances, so polling and timeouts take no real time. */
const fakeTime = () => {
  let now = 0;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    sleep: async (ms: number) => {
      waits.push(ms);
      now += ms;
    },
  };
};

const warehouse = (options: Partial<RedshiftDataWarehouseOptions> = {}, time = fakeTime()) =>
  new RedshiftDataWarehouse(new RedshiftDataClient({ region: 'us-east-1' }), {
    target: { database: 'ccb', workgroupName: 'ccb-dev' },
    sql: (name) => SQL[name] ?? '',
    clock: { now: time.now },
    sleep: time.sleep,
    ...options,
  });

const column = (name: string, typeName: string): ColumnMetadata => ({ name, label: name, typeName });

describe('the Redshift Data API warehouse', () => {
  beforeEach(() => {
    redshift.reset();
    redshift.on(ExecuteStatementCommand).resolves({ Id: 'stmt-1' });
  });

  it('runs the named query with its parameters as strings on the workgroup and maps each field type', async () => {
    // Prepare
    redshift
      .on(DescribeStatementCommand)
      .resolvesOnce({ Id: 'stmt-1', Status: 'SUBMITTED' })
      .resolvesOnce({ Id: 'stmt-1', Status: 'STARTED' })
      .resolves({ Id: 'stmt-1', Status: 'FINISHED', HasResultSet: true });
    redshift.on(GetStatementResultCommand).resolves({
      ColumnMetadata: [
        column('events', 'int8'),
        column('share', 'float8'),
        column('cost_nano', 'numeric'),
        column('wasteful', 'bool'),
        column('day', 'date'),
        column('first_event_at', 'timestamp'),
        column('intent', 'varchar'),
        column('producer', 'varchar'),
        column('raw', 'varbyte'),
      ],
      Records: [
        [
          { longValue: 6 },
          { doubleValue: 0.25 },
          { stringValue: '27800000' },
          { booleanValue: true },
          { stringValue: '2025-03-15' },
          { stringValue: '2025-03-15 14:05:00' },
          { stringValue: 'faq' },
          { isNull: true },
          { blobValue: Uint8Array.from([1, 2, 3]) },
        ],
      ],
    });

    // Act
    const rows = await warehouse().query('reports/top-sessions', { day: '2025-03-15', limit: 3, unused: 1 });

    // Assess
    expect(rows).toEqual([
      {
        events: 6,
        share: 0.25,
        cost_nano: 27_800_000,
        wasteful: true,
        day: '2025-03-15',
        first_event_at: '2025-03-15T14:05:00.000Z',
        intent: 'faq',
        producer: null,
        raw: 'AQID',
      },
    ]);
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toEqual({
      Database: 'ccb',
      WorkgroupName: 'ccb-dev',
      Sql: SQL['reports/top-sessions'],
      StatementName: 'ccb/reports/top-sessions',
      Parameters: [
        { name: 'day', value: '2025-03-15' },
        { name: 'limit', value: '3' },
      ],
    });
    expect(redshift.commandCalls(DescribeStatementCommand)).toHaveLength(3);
  });

  it('names a provisioned cluster with its secret instead of a workgroup', async () => {
    redshift.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: false });

    await warehouse({
      target: { database: 'ccb', clusterIdentifier: 'ccb-cluster', secretArn: 'arn:aws:secretsmanager:x' },
    }).query('reports/daily-total', { day: '2025-03-15' });

    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input).toMatchObject({
      Database: 'ccb',
      ClusterIdentifier: 'ccb-cluster',
      SecretArn: 'arn:aws:secretsmanager:x',
    });
    expect(redshift.commandCalls(ExecuteStatementCommand)[0]?.args[0].input.WorkgroupName).toBeUndefined();
  });

  it('polls with growing waits, up to the longest', async () => {
    const time = fakeTime();
    const describe = redshift.on(DescribeStatementCommand);
    for (let i = 0; i < 7; i += 1) describe.resolvesOnce({ Status: 'STARTED' });
    describe.resolves({ Status: 'FINISHED', HasResultSet: false });

    await warehouse({ poll: { initialMs: 100, factor: 2, maxMs: 1_000 } }, time).query(
      'reports/daily-total',
      {
        day: '2025-03-15',
      },
    );

    expect(time.waits).toEqual([100, 200, 400, 800, 1_000, 1_000, 1_000]);
  });

  it('reads every page of the result, keeping the first page column metadata', async () => {
    // Prepare
    redshift.on(DescribeStatementCommand).resolves({ Status: 'FINISHED', HasResultSet: true });
    redshift
      .on(GetStatementResultCommand, { Id: 'stmt-1', NextToken: undefined })
      .resolves({
        ColumnMetadata: [column('n', 'int4')],
        Records: [[{ longValue: 1 }], [{ longValue: 2 }]],
        NextToken: 'p2',
      })
      .on(GetStatementResultCommand, { Id: 'stmt-1', NextToken: 'p2' })
      .resolves({ Records: [[{ longValue: 3 }]], NextToken: 'p3' })
      .on(GetStatementResultCommand, { Id: 'stmt-1', NextToken: 'p3' })
      .resolves({ ColumnMetadata: [column('n', 'int4')], Records: [[{ longValue: 4 }]] });

    // Act
    const rows = await warehouse().query('reports/daily-total', { day: '2025-03-15' });

    // Assess
    expect(rows).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]);
    expect(redshift.commandCalls(GetStatementResultCommand).map((c) => c.args[0].input.NextToken)).toEqual([
      undefined,
      'p2',
      'p3',
    ]);
  });

  it.each(['FAILED', 'ABORTED'])(
    'throws the error text and statement id when the statement ends %s',
    async (status) => {
      redshift.on(DescribeStatementCommand).resolves({
        Id: 'stmt-1',
        Status: status as 'FAILED',
        Error: 'ERROR: relation "cost_events_unique" does not exist',
      });

      const failure = warehouse().query('reports/daily-total', { day: '2025-03-15' });

      await expect(failure).rejects.toThrow(WarehouseQueryError);
      await expect(failure).rejects.toMatchObject({
        query: 'reports/daily-total',
        statementId: 'stmt-1',
        status,
        detail: 'ERROR: relation "cost_events_unique" does not exist',
        message: expect.stringContaining('stmt-1'),
      });
      expect(redshift.commandCalls(GetStatementResultCommand)).toHaveLength(0);
    },
  );

  it('cancels a statement still running at the timeout and says so', async () => {
    redshift.on(DescribeStatementCommand).resolves({ Status: 'STARTED' });
    redshift.on(CancelStatementCommand).resolves({ Status: true });

    const failure = warehouse({ timeoutMs: 5_000 }).query('reports/daily-total', { day: '2025-03-15' });

    await expect(failure).rejects.toThrow(WarehouseTimeoutError);
    await expect(failure).rejects.toMatchObject({ statementId: 'stmt-1', timeoutMs: 5_000, cancelled: true });
    expect(redshift.commandCalls(CancelStatementCommand).map((c) => c.args[0].input)).toEqual([
      { Id: 'stmt-1' },
    ]);
  });

  it('still reports the timeout when the cancel fails, with the cancel error as its cause', async () => {
    const cancelError = new Error('ValidationException: could not cancel');
    redshift.on(DescribeStatementCommand).resolves({ Status: 'PICKED' });
    redshift.on(CancelStatementCommand).rejects(cancelError);

    const failure = warehouse({ timeoutMs: 1_000 }).query('reports/daily-total', { day: '2025-03-15' });

    await expect(failure).rejects.toMatchObject({
      name: 'WarehouseTimeoutError',
      cancelled: false,
      message: expect.stringContaining('cancelling it failed'),
    });
  });

  it('refuses a query whose parameters are missing, before calling the API', async () => {
    await expect(warehouse().query('reports/top-sessions', { day: '2025-03-15' })).rejects.toMatchObject({
      name: 'MissingSqlParameterError',
      parameter: 'limit',
    });
    expect(redshift.commandCalls(ExecuteStatementCommand)).toHaveLength(0);
  });
});
