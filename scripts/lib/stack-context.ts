import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Where the embedded local stack keeps all of its state: emulator data, checkpoints, logs, the state file. */
export const stackHome = (): string => resolve(process.env.CCB_HOME ?? '.ccb');

/** The account every local ARN names; the stand-ins and emulators accept any credentials. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The state machines of docs/breaker.md, by the basename of their `statemachines/<name>.asl.json`. */
export const BREAKER_STATE_MACHINES = ['escalate', 'restore', 'override'] as const;
export type BreakerStateMachine = (typeof BREAKER_STATE_MACHINES)[number];

/** The names the local stack gives its resources; the same shapes serverless.yml creates on AWS. */
export interface StackResources {
  region: string;
  streamName: string;
  spendTable: string;
  quarantineTable: string;
  breakerTable: string;
  ledgerTable: string;
  /** SSM parameter path of the breaker's flags, with its trailing slash: `/ccb/<stage>/`. */
  ssmPrefix: string;
  alertsTopicName: string;
  alertsTopicArn: string;
  /** The archive's Firehose delivery stream (DirectPut): `ccb-<stage>-archive`. */
  archiveDeliveryStream: string;
  /** ARN of each breaker state machine, by the basename of its definition file. */
  stateMachineArns: Record<BreakerStateMachine, string>;
}

/** Written by `ccb local up` to `<stackHome>/stack.json`; read by every other command. */
export interface StackState extends StackResources {
  supervisorPid: number;
  startedAt: string;
  /**
   * Every service endpoint of the stack. ssm, sfn, sns, firehose, redshiftData and cloudwatch are one
   * server (scripts/local/aws); absent in states written before they existed.
   */
  endpoints: {
    kinesis: string;
    dynamodb: string;
    ssm?: string;
    sfn?: string;
    sns?: string;
    firehose?: string;
    redshiftData?: string;
    cloudwatch?: string;
    iam?: string;
  };
  children: { name: string; pid: number }[];
  /** The fields below are written by the embedded stack; optional so hand-made states stay valid. */
  home?: string;
  streamArn?: string;
  shardCount?: number;
  /** Table names by their key under custom.names in resources/dynamodb.yml, e.g. `spendTable`. */
  tables?: Record<string, string>;
  /** The module whose `handler` the event-source poller invokes, relative to the repository root. */
  handlerModule?: string;
  /** The DAILY_BUDGET_USD the stack's functions got: readers such as `ccb dashboard` judge spend by it. */
  dailyBudgetUsd?: string;
  /** What the stack counts as spend: `producer` or `invocation-logs`. */
  spendSource?: 'producer' | 'invocation-logs';
  /** The roles the cap denies model calls to (capEnforcementRoles); the IAM stand-in knows only these. */
  capEnforcementRoles?: string[];
}

/** `arn:aws:states:<region>:<account>:stateMachine:ccb-<stage>-<name>`, as serverless.yml names them. */
export const stateMachineArn = (
  stage: string,
  name: string,
  options: { region?: string; accountId?: string } = {},
): string =>
  `arn:aws:states:${options.region ?? 'us-east-1'}:${options.accountId ?? LOCAL_ACCOUNT_ID}:stateMachine:ccb-${stage}-${name}`;

/**
 * Resource names for a stage: the rule serverless.yml's custom.names follows, so AWS stages match too.
 * ARNs name the local account unless `accountId` is given (an AWS stage's account is not known offline).
 */
export const localResources = (
  stage = 'local',
  options: { region?: string; accountId?: string } = {},
): StackResources => {
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? LOCAL_ACCOUNT_ID;
  const alertsTopicName = `ccb-${stage}-alerts`;
  return {
    region,
    streamName: `ccb-${stage}-cost-events`,
    spendTable: `ccb-${stage}-spend`,
    quarantineTable: `ccb-${stage}-quarantine`,
    breakerTable: `ccb-${stage}-breaker`,
    ledgerTable: `ccb-${stage}-ledger`,
    ssmPrefix: `/ccb/${stage}/`,
    alertsTopicName,
    alertsTopicArn: `arn:aws:sns:${region}:${accountId}:${alertsTopicName}`,
    archiveDeliveryStream: `ccb-${stage}-archive`,
    stateMachineArns: Object.fromEntries(
      BREAKER_STATE_MACHINES.map((name) => [name, stateMachineArn(stage, name, { region, accountId })]),
    ) as Record<BreakerStateMachine, string>,
  };
};

export const stackStatePath = (home = stackHome()): string => join(home, 'stack.json');

export class StackNotRunningError extends Error {
  constructor(home: string, options?: ErrorOptions) {
    super(
      `the local stack is not running (no state under ${home}); start it with: npx ccb local up`,
      options,
    );
    this.name = 'StackNotRunningError';
  }
}

/** Reads the state file; throws StackNotRunningError when the stack was never started or was stopped. */
export const readStackState = async (home = stackHome()): Promise<StackState> => {
  try {
    return JSON.parse(await readFile(stackStatePath(home), 'utf8')) as StackState;
  } catch (error) {
    throw new StackNotRunningError(home, { cause: error });
  }
};
