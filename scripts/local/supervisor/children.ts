import { mkdir } from 'node:fs/promises';
import { parseRoleList } from '../../../functions/core/breaker/cap-enforcement';
import { localAwsEnvironment } from '../../lib/local-clients';
import { LOCAL_ACCOUNT_ID, type StackResources, type StackState } from '../../lib/stack-context';
import {
  assertJava,
  awsStandInsHealthy,
  dynamoDbHealthy,
  kinesisHealthy,
  type RunningEmulator,
  startAwsStandIns,
  startDynamoDbLocal,
  startKinesisLocal,
  waitUntilHealthy,
} from '../emulators';
import { loadServiceParams, localFunctionEnvironment } from '../function-environment';
import { loadTableDefinitions, type TableDefinition } from '../provision';
import type { Shutdown, StartupTimings, Supervised } from './supervised';

/** The supervisor's child processes, and what the functions' environment was built from as they started. */
export interface StartedChildren {
  kinesis: RunningEmulator;
  dynamodb: RunningEmulator;
  standIns: RunningEmulator;
  tables: TableDefinition[];
  functionEnvironment: Record<string, string>;
}

/** Its own process: Step Functions tasks run there, so a long workflow never stalls the poller. */
const startStandIns = (
  { config, paths }: Supervised,
  resources: StackResources,
  emulators: { kinesis: string; dynamodb: string },
  functionEnvironment: Record<string, string>,
): Promise<RunningEmulator> =>
  startAwsStandIns({
    config: {
      home: config.home,
      stage: config.stage,
      region: resources.region,
      accountId: LOCAL_ACCOUNT_ID,
      // Sent as JSON: an unset setting is left out.
      stateMachinesDir: config.stateMachinesDir,
      functionsDir: config.functionsDir,
      waitScale: config.sfnWaitScale,
      retryIntervalMs: config.sfnRetryIntervalMs,
      iamRoles: parseRoleList(functionEnvironment.CAP_ENFORCEMENT_ROLES),
    },
    logPath: paths.awsLog,
    env: {
      ...process.env,
      ...localAwsEnvironment({ region: resources.region, endpoints: emulators }),
      ...functionEnvironment,
      POWERTOOLS_SERVICE_NAME: 'ccb-breaker',
    },
  });

/**
 * Starts both emulators and the AWS stand-ins, each added to `supervised.children` as soon as it is
 * spawned, so a shutdown stops those that started even when a later one fails.
 */
export const startChildren = async (
  supervised: Supervised,
  resources: StackResources,
): Promise<StartedChildren> => {
  const { config, paths, children } = supervised;
  assertJava();
  await mkdir(paths.logs, { recursive: true });
  const kinesis = await startKinesisLocal({
    dataDirectory: paths.kinesisData,
    logPath: paths.kinesisLog,
    region: resources.region,
    ...(config.kinesisPersistInterval !== undefined && { persistInterval: config.kinesisPersistInterval }),
  });
  children.push(kinesis);
  const dynamodb = await startDynamoDbLocal({
    dataDirectory: paths.dynamodbData,
    logPath: paths.dynamodbLog,
  });
  children.push(dynamodb);
  const tables = await loadTableDefinitions(resources, { stage: config.stage });
  const functionEnvironment = localFunctionEnvironment({
    stage: config.stage,
    resources,
    tables,
    params: await loadServiceParams(),
    ...(config.spendSource === undefined ? {} : { spendSource: config.spendSource }),
  });
  const emulators = { kinesis: kinesis.endpoint, dynamodb: dynamodb.endpoint };
  const standIns = await startStandIns(supervised, resources, emulators, functionEnvironment);
  children.push(standIns);
  return { kinesis, dynamodb, standIns, tables, functionEnvironment };
};

/** A child that exits while the stack runs takes the whole stack down. */
export const watchChildren = (supervised: Supervised, shutdown: Shutdown): void => {
  for (const child of supervised.children) {
    child.child.on('exit', (code, signal) => {
      if (!supervised.shuttingDown) void shutdown(1, `${child.name} exited unexpectedly (${code ?? signal})`);
    });
  }
};

export const waitUntilChildrenHealthy = async (
  { kinesis, dynamodb, standIns }: StartedChildren,
  { mark }: StartupTimings,
): Promise<void> => {
  await Promise.all([
    waitUntilHealthy(kinesis, kinesisHealthy).then(() => mark('kinesisHealthy')),
    waitUntilHealthy(dynamodb, dynamoDbHealthy).then(() => mark('dynamodbHealthy')),
    waitUntilHealthy(standIns, awsStandInsHealthy).then(() => mark('awsStandInsHealthy')),
  ]);
};

/** Every service endpoint of the stack: the stand-ins serve all but Kinesis and DynamoDB. */
export const endpointsOf = ({
  kinesis,
  dynamodb,
  standIns,
}: StartedChildren): Required<StackState['endpoints']> => ({
  kinesis: kinesis.endpoint,
  dynamodb: dynamodb.endpoint,
  ssm: standIns.endpoint,
  sfn: standIns.endpoint,
  sns: standIns.endpoint,
  firehose: standIns.endpoint,
  redshiftData: standIns.endpoint,
  cloudwatch: standIns.endpoint,
  iam: standIns.endpoint,
});
