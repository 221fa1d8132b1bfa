import { randomUUID } from 'node:crypto';
import type { ColumnMetadata, Field } from '@aws-sdk/client-redshift-data';
import { fieldKind } from '../../../functions/adapters/warehouse/column-types';
import {
  MissingSqlParameterError,
  usedParameters,
} from '../../../functions/adapters/warehouse/named-parameters';
import type { Logger } from '../log';
import {
  type PgliteQuerier,
  type PgliteResult,
  pgTypeName,
  runOnPglite,
} from '../warehouse/pglite-warehouse';
import {
  AwsServiceError,
  decodeToken,
  dispatchJsonOperation,
  encodeToken,
  type JsonOperation,
  optionalString,
  requiredString,
} from './protocol';

export interface RedshiftDataServiceOptions {
  /** The local warehouse (warehouseDb), opened on the first statement. */
  db: () => Promise<PgliteQuerier>;
  log?: Logger;
  /** Records per GetStatementResult page; Redshift pages by size (100 MB), tests want small pages. */
  pageSize?: number;
  /** Statements kept for DescribeStatement and GetStatementResult (Redshift keeps them 24 hours). */
  keep?: number;
  now?: () => Date;
}

type Status = 'SUBMITTED' | 'STARTED' | 'FINISHED' | 'FAILED' | 'ABORTED';

interface Statement {
  id: string;
  sql: string;
  database: string;
  target: { WorkgroupName: string } | { ClusterIdentifier: string };
  parameters: { name: string; value: string }[];
  status: Status;
  createdAt: Date;
  updatedAt: Date;
  error?: string;
  result?: PgliteResult;
}

const seconds = (date: Date): number => date.getTime() / 1000;

const parametersOf = (body: Record<string, unknown>): { name: string; value: string }[] => {
  const raw = body.Parameters;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length === 0)
    throw new AwsServiceError('ValidationException', 'Parameters must be a non-empty list');
  return raw.map((parameter: unknown) => {
    const { name, value } = (parameter ?? {}) as { name?: unknown; value?: unknown };
    if (
      typeof name !== 'string' ||
      !/^[0-9A-Za-z_]+$/.test(name) ||
      typeof value !== 'string' ||
      value === ''
    )
      throw new AwsServiceError(
        'ValidationException',
        'each parameter needs a name and a non-empty string value',
      );
    return { name, value };
  });
};

/** A PostgreSQL value (as text) the way the Data API sends it: longValue, doubleValue, booleanValue or stringValue. */
const toField = (value: unknown, typeName: string): Field => {
  if (value === null || value === undefined) return { isNull: true };
  const text = String(value);
  switch (fieldKind(typeName)) {
    case 'long':
      return { longValue: Number(text) };
    case 'double':
      return { doubleValue: Number(text) };
    case 'boolean':
      return { booleanValue: text === 't' || text === 'true' };
    default:
      return { stringValue: text };
  }
};

const columnMetadata = (result: PgliteResult): ColumnMetadata[] =>
  result.fields.map(({ name, dataTypeID }) => ({
    name,
    label: name,
    typeName: pgTypeName(dataTypeID),
    nullable: 1,
    isSigned: ['int2', 'int4', 'int8', 'float4', 'float8', 'numeric'].includes(pgTypeName(dataTypeID)),
  }));

/**
 * The Redshift Data API (awsJson1_1, `RedshiftData.*`) on the local warehouse: ExecuteStatement runs the
 * SQL on PGlite in the background with its `:name` parameters (the same translation as the PGlite
 * warehouse adapter), DescribeStatement reports SUBMITTED/STARTED/FINISHED/FAILED/ABORTED, and
 * GetStatementResult pages Redshift-shaped ColumnMetadata and Records, so RedshiftDataWarehouse runs
 * unchanged against AWS_ENDPOINT_URL_REDSHIFT_DATA. Statements live in memory only.
 */
export const createRedshiftDataService = (options: RedshiftDataServiceOptions) => {
  const pageSize = options.pageSize ?? 1_000;
  const keep = options.keep ?? 1_000;
  const now = options.now ?? (() => new Date());
  const statements = new Map<string, Statement>();

  const statementOf = (body: Record<string, unknown>): Statement => {
    const id = requiredString(body, 'Id');
    const statement = statements.get(id);
    if (statement === undefined)
      throw new AwsServiceError('ResourceNotFoundException', `Query does not exist: ${id}`);
    return statement;
  };

  const settle = (statement: Statement, status: Status, detail: Partial<Statement> = {}) => {
    // A cancelled statement stays ABORTED whatever its query does afterwards.
    if (statement.status === 'ABORTED') return;
    Object.assign(statement, detail, { status, updatedAt: now() });
  };

  const run = async (statement: Statement): Promise<void> => {
    try {
      const db = await options.db();
      settle(statement, 'STARTED');
      const parameters = Object.fromEntries(statement.parameters.map(({ name, value }) => [name, value]));
      const result = await runOnPglite(db, statement.id, statement.sql, parameters);
      settle(statement, 'FINISHED', { result });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      settle(statement, 'FAILED', { error: `ERROR: ${message}` });
      options.log?.('warn', 'a Redshift Data API statement failed', { id: statement.id, error: message });
    }
  };

  const executeStatement = (body: Record<string, unknown>) => {
    const sql = requiredString(body, 'Sql');
    const database = requiredString(body, 'Database');
    const workgroup = optionalString(body, 'WorkgroupName');
    const cluster = optionalString(body, 'ClusterIdentifier');
    if ((workgroup === undefined) === (cluster === undefined))
      throw new AwsServiceError('ValidationException', 'name either a WorkgroupName or a ClusterIdentifier');
    const parameters = parametersOf(body);
    const createdAt = now();
    const statement: Statement = {
      id: randomUUID(),
      sql,
      database,
      target: workgroup !== undefined ? { WorkgroupName: workgroup } : { ClusterIdentifier: cluster ?? '' },
      parameters,
      status: 'SUBMITTED',
      createdAt,
      updatedAt: createdAt,
    };
    try {
      // Redshift checks the parameters before it runs anything: a used :name needs a value.
      usedParameters(
        'statement',
        sql,
        Object.fromEntries(parameters.map(({ name, value }) => [name, value])),
      );
    } catch (error) {
      if (error instanceof MissingSqlParameterError)
        throw new AwsServiceError('ValidationException', `no value for the parameter ${error.parameter}`);
      throw error;
    }
    statements.set(statement.id, statement);
    for (const old of statements.keys()) {
      if (statements.size <= keep) break;
      statements.delete(old);
    }
    void run(statement);
    return {
      Id: statement.id,
      CreatedAt: seconds(createdAt),
      Database: database,
      ...statement.target,
      ...(optionalString(body, 'DbUser') !== undefined && { DbUser: optionalString(body, 'DbUser') }),
      ...(optionalString(body, 'SecretArn') !== undefined && {
        SecretArn: optionalString(body, 'SecretArn'),
      }),
    };
  };

  const describeStatement = (body: Record<string, unknown>) => {
    const statement = statementOf(body);
    const rows = statement.result?.rows.length ?? -1;
    return {
      Id: statement.id,
      Status: statement.status,
      QueryString: statement.sql,
      Database: statement.database,
      ...statement.target,
      CreatedAt: seconds(statement.createdAt),
      UpdatedAt: seconds(statement.updatedAt),
      Duration: (statement.updatedAt.getTime() - statement.createdAt.getTime()) * 1_000_000,
      HasResultSet: statement.status === 'FINISHED' && (statement.result?.fields.length ?? 0) > 0,
      ResultRows: statement.status === 'FINISHED' ? rows : -1,
      ResultSize: statement.status === 'FINISHED' ? JSON.stringify(statement.result?.rows ?? []).length : -1,
      ...(statement.parameters.length > 0 && { QueryParameters: statement.parameters }),
      ...(statement.error !== undefined && { Error: statement.error }),
    };
  };

  const getStatementResult = (body: Record<string, unknown>) => {
    const statement = statementOf(body);
    const result = statement.result;
    if (statement.status !== 'FINISHED' || result === undefined || result.fields.length === 0)
      throw new AwsServiceError(
        'ValidationException',
        `Query does not have result. Please check query status with DescribeStatement (status ${statement.status}).`,
      );
    const offset = Number(decodeToken(optionalString(body, 'NextToken'), 'ValidationException') ?? '0');
    if (!Number.isInteger(offset) || offset < 0 || offset > result.rows.length)
      throw new AwsServiceError('ValidationException', 'the NextToken is not valid');
    const columns = columnMetadata(result);
    const page = result.rows.slice(offset, offset + pageSize);
    const next = offset + page.length;
    return {
      ColumnMetadata: columns,
      Records: page.map((row) =>
        result.fields.map(({ name }, index) => toField(row[name], columns[index]?.typeName ?? 'text')),
      ),
      TotalNumRows: result.rows.length,
      ...(next < result.rows.length && { NextToken: encodeToken(String(next)) }),
    };
  };

  const cancelStatement = (body: Record<string, unknown>) => {
    const statement = statementOf(body);
    if (statement.status !== 'SUBMITTED' && statement.status !== 'STARTED')
      throw new AwsServiceError(
        'ValidationException',
        `Could not cancel a query that is already in ${statement.status} state with ID: ${statement.id}`,
      );
    statement.status = 'ABORTED';
    statement.updatedAt = now();
    return { Status: true };
  };

  const operations: Record<string, JsonOperation> = {
    ExecuteStatement: executeStatement,
    DescribeStatement: describeStatement,
    GetStatementResult: getStatementResult,
    CancelStatement: cancelStatement,
  };

  return {
    /** Runs one operation; throws AwsServiceError for the client's mistakes. */
    handle: dispatchJsonOperation('Redshift Data API', operations),
  };
};
