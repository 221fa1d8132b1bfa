import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { capPolicyName } from '../../functions/core/breaker/cap-enforcement';
import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import { localDynamoDbClient, localKinesisClient, localSfnClient } from '../../scripts/lib/local-clients';
import { produceEvents } from '../../scripts/lib/produce-events';
import { DynamoDbLedgerReader } from '../../scripts/lib/readers/dynamodb-ledger-reader';
import { readFlags } from '../../scripts/lib/readers/flags';
import { readAlerts } from '../../scripts/lib/readers/published-alerts';
import type { StackState } from '../../scripts/lib/stack-context';
import { openStage, type StageContext } from '../../scripts/lib/stage';
import { awsStandInPaths } from '../../scripts/local/aws/server';
import { drain } from '../../scripts/local/drain';
import { startStack, stopStack } from '../../scripts/local/stack';
import { aV2Event, SONNET } from '../helpers/cost-events';

const DAY = '2025-03-15';
const NEXT_DAY = '2025-03-16';
const ROLES = ['chatbot-task', 'recommender-task'];

/**
 * The cap that holds, through the whole local stack with capEnforcementRoles set: spend past the cap
 * attaches the deny in the IAM stand-in, and the next day's restore lifts it, each step in the ledger.
 * A $1 budget; each event costs $0.057, two minutes before midnight so the ladder decides.
 */
describe('cap enforcement, end to end on the local stack', () => {
  let home: string;
  let state: StackState;
  let context: StageContext;
  const saved = { ...process.env };

  const whenProduced = async (events: ReturnType<typeof aV2Event>[]) => {
    const kinesis = localKinesisClient(state);
    try {
      await produceEvents(events, { kinesis, streamName: state.streamName });
    } finally {
      kinesis.destroy();
    }
    await drain(state, { home, timeoutSeconds: 60 });
  };

  const settled = async (machine: 'escalate' | 'restore', timeoutMs = 30_000) => {
    const sfn = localSfnClient(state);
    try {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const { executions } = await sfn.send(
          new ListExecutionsCommand({
            stateMachineArn: state.stateMachineArns[machine],
            statusFilter: 'RUNNING',
          }),
        );
        if ((executions ?? []).length === 0) return;
        await delay(100);
      }
      throw new Error(`${machine} executions still running`);
    } finally {
      sfn.destroy();
    }
  };

  const ledger = async (): Promise<LedgerEntry[]> => {
    const client = localDynamoDbClient(state);
    try {
      return await new DynamoDbLedgerReader(client, state.ledgerTable).entries();
    } finally {
      client.destroy();
    }
  };

  const iamFile = async (): Promise<{ roles: Record<string, Record<string, string>> }> =>
    JSON.parse(await readFile(awsStandInPaths(home).iam, 'utf8'));

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-cap-'));
    process.env.CCB_HOME = home;
    process.env.DAILY_BUDGET_USD = '1';
    process.env.RESTORE_STEP_SECONDS = '60';
    process.env.CAP_ENFORCEMENT_ROLES = ROLES.join(',');
    ({ state } = await startStack({
      home,
      shards: 1,
      mapping: { MaximumBatchingWindowInSeconds: 0 },
      sfnWaitScale: 0.005,
      sfnRetryIntervalMs: 10,
      checkIntervalMs: 0,
    }));
    context = await openStage('local');
  }, 120_000);

  afterAll(async () => {
    await stopStack({ home, purge: true, graceMs: 5_000 }).catch(() => undefined);
    await rm(home, { recursive: true, force: true });
    process.env = saved;
  });

  it('at the cap the IAM stand-in holds the deny on every listed role, ccb flags shows it, and the ledger says so', async () => {
    // 18 x $0.057 = $1.026: past the cap.
    await whenProduced(
      Array.from({ length: 18 }, (_, i) =>
        aV2Event({
          event_id: `evt-${i}`,
          session_id: `sess-${i}`,
          occurred_at: Date.parse(`${DAY}T23:58:${10 + i}.000Z`),
          model_id: SONNET,
          input_tokens: 9_000,
          output_tokens: 2_000,
        }),
      ),
    );
    await settled('escalate');

    const flags = await readFlags(context);
    expect(flags.mode).toBe('cap');
    expect(flags.flags.find((f) => f.name === 'allow_listed_only')?.value).toBe('true');
    expect(flags.enforcement).toEqual({
      policy_name: capPolicyName('local'),
      roles: ROLES.map((role) => ({ role, denied: true })),
      in_sync: true,
    });
    for (const role of ROLES) {
      expect(JSON.parse((await iamFile()).roles[role]?.[capPolicyName('local')] ?? '{}').Statement).toEqual([
        expect.objectContaining({ Effect: 'Deny', Action: ['bedrock:InvokeModel*', 'bedrock:Converse*'] }),
      ]);
    }
    // Every change made while at cap re-syncs the deny (a velocity flag raised after the rung, say), each
    // with its own entry; all of them name every role.
    const enforced = (await ledger()).filter((e) => e.kind === 'cap_enforced');
    expect(enforced.length).toBeGreaterThanOrEqual(1);
    expect(enforced.map((e) => e.detail?.roles)).toEqual(enforced.map(() => ROLES));
    const capAlert = (await readAlerts(home, state.alertsTopicArn)).find(
      (a) => a.check === 'budget_ladder' && (a.body as { to_mode?: string }).to_mode === 'cap',
    );
    expect(capAlert).toMatchObject({ severity: 'critical', body: { enforcement: { outcome: 'attached' } } });
  }, 90_000);

  it("the next day's restore lifts the deny, and the ledger records the lift", async () => {
    await whenProduced([
      aV2Event({
        event_id: 'next-day',
        session_id: 'sess-next',
        occurred_at: Date.parse(`${NEXT_DAY}T00:00:30.000Z`),
        input_tokens: 100,
        output_tokens: 50,
      }),
    ]);
    await settled('restore');

    const flags = await readFlags(context);
    expect(flags.mode).toBe('normal');
    expect(flags.enforcement?.roles).toEqual(ROLES.map((role) => ({ role, denied: false })));
    expect(Object.values((await iamFile()).roles).map((policies) => Object.keys(policies))).toEqual([[], []]);
    const kinds = (await ledger()).map((e) => e.kind);
    expect(kinds.indexOf('cap_lifted')).toBeGreaterThan(kinds.indexOf('cap_enforced'));
    expect(kinds.filter((k) => k === 'restore_step')).toHaveLength(4);
  }, 90_000);
});
