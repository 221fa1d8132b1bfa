import { parseRoleList } from '../../../functions/core/breaker/cap-enforcement';
import type { SpendSource } from '../../../functions/core/ingest/split-batch';
import type { StackResources, StackState } from '../../lib/stack-context';
import { consumerStatus } from '../consumer';
import { writeJsonAtomic } from '../json-file';
import type { StreamInfo, TableDefinition } from '../provision';
import { supervisorLog as log, type Supervised } from './supervised';

/** `<home>/processes.json`: every pid the supervisor started, written before they are healthy. */
export interface ProcessesFile {
  supervisorPid: number;
  children: { name: string; pid: number }[];
}

export const recordProcesses = (supervised: Supervised): Promise<void> =>
  writeJsonAtomic(supervised.paths.processes, {
    supervisorPid: process.pid,
    children: supervised.children.map(({ name, pid }) => ({ name, pid })),
  } satisfies ProcessesFile);

/** Writes each running mapping's `event-source.json`. */
export const writeStatus = async (supervised: Supervised): Promise<void> => {
  await Promise.all(
    supervised.running.map(({ consumer, eventSource }) =>
      writeJsonAtomic(consumer.paths.eventSourceStatus, consumerStatus(consumer, eventSource, process.pid)),
    ),
  );
};

/** Refreshes the status files every second until the shutdown clears the timer. */
export const startStatusTimer = (supervised: Supervised): void => {
  supervised.statusTimer = setInterval(() => {
    writeStatus(supervised).catch((error: unknown) =>
      log('warn', 'could not write the status file', { error: String(error) }),
    );
  }, 1_000);
};

/** The stack's `stack.json`: what clients of the running stack read to reach it. */
export const stackStateOf = (
  supervised: Supervised,
  stack: {
    resources: StackResources;
    startedAt: Date;
    endpoints: StackState['endpoints'];
    stream: StreamInfo;
    tables: readonly TableDefinition[];
    functionEnvironment: Record<string, string>;
  },
): StackState => {
  const { config } = supervised;
  const { stream, functionEnvironment } = stack;
  return {
    ...stack.resources,
    supervisorPid: process.pid,
    startedAt: stack.startedAt.toISOString(),
    endpoints: stack.endpoints,
    children: supervised.children.map(({ name, pid }) => ({ name, pid })),
    home: config.home,
    streamArn: stream.arn,
    shardCount: stream.shardCount,
    tables: Object.fromEntries(stack.tables.map((table) => [table.key, table.input.TableName ?? ''])),
    handlerModule: config.handlerModule,
    ...(functionEnvironment.DAILY_BUDGET_USD !== undefined && {
      dailyBudgetUsd: functionEnvironment.DAILY_BUDGET_USD,
    }),
    spendSource: functionEnvironment.SPEND_SOURCE as SpendSource,
    capEnforcementRoles: parseRoleList(functionEnvironment.CAP_ENFORCEMENT_ROLES),
  };
};
