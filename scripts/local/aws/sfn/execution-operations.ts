import type { Logger } from '../../log';
import {
  AwsServiceError,
  decodeToken,
  encodeToken,
  epochSeconds,
  optionalInteger,
  optionalString,
  requiredString,
} from '../protocol';
import type { ExecutionLifecycle } from './execution-lifecycle';
import type { ExecutionRecord, ExecutionStore } from './execution-store';
import type { StateMachineRunner } from './runner';

const STATUSES = new Set<string>([
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
]);

const summary = (record: ExecutionRecord) => ({
  executionArn: record.executionArn,
  stateMachineArn: record.stateMachineArn,
  name: record.name,
  status: record.status,
  startDate: epochSeconds(record.startDate),
  ...(record.stopDate !== undefined && { stopDate: epochSeconds(record.stopDate) }),
});

const page = <T extends { executionArn: string }>(matching: T[], body: Record<string, unknown>) => {
  const maxResults = optionalInteger(body, 'maxResults', { min: 0, max: 1000 }) || 100;
  const after = decodeToken(optionalString(body, 'nextToken'));
  const from = after === undefined ? 0 : matching.findIndex((r) => r.executionArn === after) + 1;
  if (after !== undefined && from === 0)
    throw new AwsServiceError('InvalidToken', 'the nextToken is not valid');
  const items = matching.slice(from, from + maxResults);
  const last = items.at(-1);
  return {
    items,
    ...(from + items.length < matching.length &&
      last !== undefined && { nextToken: encodeToken(last.executionArn) }),
  };
};

/** DescribeExecution, ListExecutions and StopExecution over the stored executions. */
export const executionOperations = (deps: {
  store: ExecutionStore;
  runner: StateMachineRunner;
  lifecycle: ExecutionLifecycle;
  log: Logger;
}) => {
  const { store } = deps;

  const findExecution = (body: Record<string, unknown>): ExecutionRecord => {
    const executionArn = requiredString(body, 'executionArn');
    const record = store.get(executionArn);
    if (record === undefined)
      throw new AwsServiceError('ExecutionDoesNotExist', `Execution Does Not Exist: '${executionArn}'`);
    return record;
  };

  const listExecutions = async (body: Record<string, unknown>) => {
    const stateMachineArn = requiredString(body, 'stateMachineArn');
    if (
      !(await deps.runner.machines()).has(stateMachineArn) &&
      !store.all().some((r) => r.stateMachineArn === stateMachineArn)
    )
      throw new AwsServiceError(
        'StateMachineDoesNotExist',
        `State Machine Does Not Exist: '${stateMachineArn}'`,
      );
    const statusFilter = optionalString(body, 'statusFilter');
    if (statusFilter !== undefined && !STATUSES.has(statusFilter))
      throw new AwsServiceError(
        'ValidationException',
        `statusFilter must be one of ${[...STATUSES].join(', ')}`,
      );
    // Newest first, as Step Functions lists them.
    const matching = store
      .all()
      .filter(
        (r) =>
          r.stateMachineArn === stateMachineArn && (statusFilter === undefined || r.status === statusFilter),
      )
      .sort((a, b) => b.startDate.localeCompare(a.startDate) || a.name.localeCompare(b.name));
    const { items, ...next } = page(matching, body);
    return { executions: items.map(summary), ...next };
  };

  const stopExecution = async (body: Record<string, unknown>) => {
    const record = findExecution(body);
    if (record.status === 'RUNNING') {
      const error = optionalString(body, 'error');
      const cause = optionalString(body, 'cause');
      Object.assign(record, {
        status: 'ABORTED',
        stopDate: new Date().toISOString(),
        ...(error !== undefined && { error }),
        ...(cause !== undefined && { cause }),
      });
      deps.lifecycle.abort(record.executionArn);
      await store.persist(record);
      deps.log('info', 'execution stopped', { executionArn: record.executionArn });
    }
    return { stopDate: epochSeconds(record.stopDate ?? new Date().toISOString()) };
  };

  return {
    DescribeExecution: (body: Record<string, unknown>) => {
      const record = findExecution(body);
      return {
        ...summary(record),
        input: record.input,
        inputDetails: { included: true },
        ...(record.output !== undefined && { output: record.output, outputDetails: { included: true } }),
        ...(record.error !== undefined && { error: record.error }),
        ...(record.cause !== undefined && { cause: record.cause }),
      };
    },
    ListExecutions: listExecutions,
    StopExecution: stopExecution,
  };
};
