import {
  CancelStatementCommand,
  type ColumnMetadata,
  DescribeStatementCommand,
  type DescribeStatementResponse,
  ExecuteStatementCommand,
  type Field,
  GetStatementResultCommand,
  type RedshiftDataClient,
} from '@aws-sdk/client-redshift-data';
import type { SqlParameter, SqlValue, Warehouse } from '../../core/analytics/ports';
import type { Clock } from '../../core/time';
import { systemClock } from '../../shared/clock';
import { fromText } from './column-types';
import { usedParameters } from './named-parameters';
import type { SqlCatalog } from './sql-catalog';

/**
 * Where the statements run: a Redshift Serverless workgroup (temporary credentials from the caller's IAM
 * identity), or a provisioned cluster with a Secrets Manager secret or a database user.
 */
export type RedshiftTarget =
  | { database: string; workgroupName: string; secretArn?: string }
  | { database: string; clusterIdentifier: string; secretArn: string }
  | { database: string; clusterIdentifier: string; dbUser: string };

export interface RedshiftDataWarehouseOptions {
  target: RedshiftTarget;
  sql: SqlCatalog;
  /** How long a statement may run before it is cancelled. Default 120 s. */
  timeoutMs?: number;
  /** DescribeStatement polling: first wait, growth factor and longest wait. Default 100 ms x1.5 up to 2 s. */
  poll?: { initialMs: number; factor: number; maxMs: number };
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>;
  clock?: Clock;
}

/** A statement that ended FAILED or ABORTED: Redshift's own error text and the statement id to look it up. */
export class WarehouseQueryError extends Error {
  constructor(
    readonly query: string,
    readonly statementId: string,
    readonly status: string,
    readonly detail: string,
  ) {
    super(`warehouse query ${query} ${status.toLowerCase()} (statement ${statementId}): ${detail}`);
    this.name = 'WarehouseQueryError';
  }
}

/** A statement that did not finish in time; it was cancelled (or the cancel failed, see `cause`). */
export class WarehouseTimeoutError extends Error {
  constructor(
    readonly query: string,
    readonly statementId: string,
    readonly timeoutMs: number,
    readonly cancelled: boolean,
    options?: ErrorOptions,
  ) {
    super(
      `warehouse query ${query} did not finish within ${timeoutMs} ms (statement ${statementId}); ` +
        (cancelled ? 'it was cancelled' : 'cancelling it failed'),
      options,
    );
    this.name = 'WarehouseTimeoutError';
  }
}

const DEFAULT_POLL = { initialMs: 100, factor: 1.5, maxMs: 2_000 };
const DONE = new Set(['FINISHED', 'FAILED', 'ABORTED']);

/** The ExecuteStatement fields naming where the statement runs. */
export const targetInput = (target: RedshiftTarget) => ({
  Database: target.database,
  ...('workgroupName' in target && { WorkgroupName: target.workgroupName }),
  ...('clusterIdentifier' in target && { ClusterIdentifier: target.clusterIdentifier }),
  ...('secretArn' in target && target.secretArn !== undefined && { SecretArn: target.secretArn }),
  ...('dbUser' in target && { DbUser: target.dbUser }),
});

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One Data API field as a row value, typed by its column. */
export const fieldValue = (field: Field, column: ColumnMetadata): SqlValue => {
  const name = column.name ?? column.label ?? '?';
  if (field.isNull === true) return null;
  if (field.booleanValue !== undefined) return field.booleanValue;
  if (field.longValue !== undefined) return field.longValue;
  if (field.doubleValue !== undefined) return field.doubleValue;
  if (field.stringValue !== undefined) return fromText(name, column.typeName ?? '', field.stringValue);
  if (field.blobValue !== undefined) return Buffer.from(field.blobValue).toString('base64');
  throw new TypeError(`column ${name}: a field of no known type`);
};

/**
 * The Warehouse port on Amazon Redshift through the Data API: ExecuteStatement with the query's named
 * parameters, DescribeStatement polled with backoff until it ends, then every page of GetStatementResult.
 * The same adapter serves the local stack (its Redshift Data API stand-in runs the SQL on PGlite).
 */
export class RedshiftDataWarehouse implements Warehouse {
  private readonly timeoutMs: number;
  private readonly poll: { initialMs: number; factor: number; maxMs: number };
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly clock: Clock;

  constructor(
    private readonly client: RedshiftDataClient,
    private readonly options: RedshiftDataWarehouseOptions,
  ) {
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.poll = options.poll ?? DEFAULT_POLL;
    this.sleep = options.sleep ?? sleepFor;
    this.clock = options.clock ?? systemClock;
  }

  async query<Row extends Record<string, unknown>>(
    name: string,
    parameters: Record<string, SqlParameter> = {},
  ): Promise<Row[]> {
    const sql = this.options.sql(name);
    const used = usedParameters(name, sql, parameters);
    const started = this.clock.now();
    const { Id } = await this.client.send(
      new ExecuteStatementCommand({
        ...targetInput(this.options.target),
        Sql: sql,
        StatementName: `ccb/${name}`,
        ...(used.length > 0 && { Parameters: used }),
      }),
    );
    if (Id === undefined) throw new TypeError(`ExecuteStatement returned no statement id for ${name}`);
    const described = await this.waitFor(name, Id, started);
    if (described.Status !== 'FINISHED')
      throw new WarehouseQueryError(
        name,
        Id,
        described.Status ?? 'UNKNOWN',
        described.Error ?? 'no error text',
      );
    return described.HasResultSet === false ? [] : ((await this.rows(Id)) as Row[]);
  }

  private async waitFor(name: string, id: string, started: number): Promise<DescribeStatementResponse> {
    let wait = this.poll.initialMs;
    for (;;) {
      const described = await this.client.send(new DescribeStatementCommand({ Id: id }));
      if (DONE.has(described.Status ?? '')) return described;
      const left = started + this.timeoutMs - this.clock.now();
      if (left <= 0) {
        try {
          await this.client.send(new CancelStatementCommand({ Id: id }));
        } catch (error) {
          throw new WarehouseTimeoutError(name, id, this.timeoutMs, false, { cause: error });
        }
        throw new WarehouseTimeoutError(name, id, this.timeoutMs, true);
      }
      await this.sleep(Math.min(wait, left));
      wait = Math.min(this.poll.maxMs, wait * this.poll.factor);
    }
  }

  private async rows(id: string): Promise<Record<string, SqlValue>[]> {
    const rows: Record<string, SqlValue>[] = [];
    let columns: ColumnMetadata[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.client.send(
        new GetStatementResultCommand({ Id: id, ...(nextToken !== undefined && { NextToken: nextToken }) }),
      );
      // Every page may carry the column metadata; keep the first page's when a later one leaves it out.
      if (page.ColumnMetadata !== undefined && page.ColumnMetadata.length > 0) columns = page.ColumnMetadata;
      for (const record of page.Records ?? []) {
        const row: Record<string, SqlValue> = {};
        record.forEach((field, index) => {
          const column = columns[index] ?? {};
          row[column.name ?? column.label ?? `column${index + 1}`] = fieldValue(field, column);
        });
        rows.push(row);
      }
      nextToken = page.NextToken === '' ? undefined : page.NextToken;
    } while (nextToken !== undefined);
    return rows;
  }
}
