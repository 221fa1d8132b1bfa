import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ListExecutionsCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import { severity } from '../../functions/core/breaker/modes';
import { localDynamoDbClient, localKinesisClient, localSfnClient } from '../../scripts/lib/local-clients';
import { validOverrideRequest } from '../../scripts/lib/override-request';
import { produceEvents } from '../../scripts/lib/produce-events';
import { DynamoDbLedgerReader } from '../../scripts/lib/readers/dynamodb-ledger-reader';
import { readFlags } from '../../scripts/lib/readers/flags';
import { readAlerts } from '../../scripts/lib/readers/published-alerts';
import type { StackState } from '../../scripts/lib/stack-context';
import { openStage, type StageContext } from '../../scripts/lib/stage';
import { startOverride } from '../../scripts/lib/start-override';
import { drain } from '../../scripts/local/drain';
import { startStack, stopStack } from '../../scripts/local/stack';
import { aV2Event, SONNET } from '../helpers/cost-events';

const DAY = '2025-03-15';
const NEXT_DAY = '2025-03-16';

/**
 * The breaker through the whole local stack: events -> Kinesis -> the aggregate handler's checks ->
 * Step Functions (the real ASL, the real task handlers) -> DynamoDB state and ledger, SSM flags, SNS.
 * A $1 budget; each event costs $0.057 (9,000 input and 2,000 output Sonnet tokens), two minutes
 * before midnight so the forecast stays quiet and the ladder decides.
 */
describe('the breaker, end to end on the local stack', () => {
  let home: string;
  let state: StackState;
  let context: StageContext;
  let sequence = 0;
  const saved = { ...process.env };

  const anExpensiveEvent = (at: string) =>
    aV2Event({
      event_id: `evt-${++sequence}`,
      session_id: `sess-${sequence}`,
      occurred_at: Date.parse(at),
      model_id: SONNET,
      input_tokens: 9_000,
      output_tokens: 2_000,
    });

  const whenProduced = async (events: ReturnType<typeof aV2Event>[]) => {
    const kinesis = localKinesisClient(state);
    try {
      await produceEvents(events, { kinesis, streamName: state.streamName });
    } finally {
      kinesis.destroy();
    }
    await drain(state, { home, timeoutSeconds: 60 });
  };

  /** Until no execution of the state machine runs (they start during the handler's invocation). */
  const settled = async (machine: 'escalate' | 'restore' | 'override', timeoutMs = 30_000) => {
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

  const flagValues = async () =>
    Object.fromEntries((await readFlags(context)).flags.map((flag) => [flag.name, flag.value]));

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-e2e-breaker-'));
    process.env.CCB_HOME = home;
    process.env.DAILY_BUDGET_USD = '1';
    process.env.RESTORE_STEP_SECONDS = '60';
    ({ state } = await startStack({
      home,
      shards: 1,
      mapping: { MaximumBatchingWindowInSeconds: 0 },
      // A 60 s restore step or a 1-minute override TTL waits 0.3 s.
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

  it('escalates as spend crosses the ladder and sets the flags, with a ledger entry and an alert for each step', async () => {
    // 13 x $0.057 = $0.741: 74% of the cap.
    await whenProduced(Array.from({ length: 13 }, (_, i) => anExpensiveEvent(`${DAY}T23:58:${10 + i}.000Z`)));
    await settled('escalate');
    expect(await flagValues()).toMatchObject({
      breaker_mode: 'cache_aggressive',
      degradation_active: 'false',
    });

    // 4 more: $0.969, 96.9%.
    await whenProduced(Array.from({ length: 4 }, (_, i) => anExpensiveEvent(`${DAY}T23:58:${30 + i}.000Z`)));
    await settled('escalate');

    expect(await flagValues()).toMatchObject({
      breaker_mode: 'emergency',
      degradation_active: 'true',
      model_tier_floor: 'haiku',
      suspend_scale_in: 'true',
      cost_circuit_breaker_enabled: 'true',
    });
    // The four events may reach the handler in one read or several: in one the breaker jumps from
    // cache_aggressive to emergency, in two it may step through cost_saving (85%) first. What must hold
    // either way: each change is to a stricter mode, from the mode the last one left, and the 95% rung
    // made it emergency.
    const transitions = (await ledger())
      .filter((e) => e.kind === 'transition' && e.from_mode !== e.to_mode)
      .sort((a, b) => (a.version ?? 0) - (b.version ?? 0));
    expect(transitions[0]).toMatchObject({ from_mode: 'normal', to_mode: 'cache_aggressive' });
    expect(transitions.at(-1)).toMatchObject({
      to_mode: 'emergency',
      trigger: { check: 'budget_ladder', threshold: 95, day: DAY },
    });
    for (const [index, entry] of transitions.entries()) {
      expect(severity(entry.to_mode ?? 'normal')).toBeGreaterThan(severity(entry.from_mode ?? 'normal'));
      if (index > 0) expect(entry.from_mode).toBe(transitions[index - 1]?.to_mode);
    }
    // One alert per rung the ladder moved the breaker to, none twice; only the emergency one critical.
    // Executions of two rungs can notify in either order, so alerts are matched by key, not position.
    const ladderAlerts = (await readAlerts(home, state.alertsTopicArn)).filter(
      (a) => a.check === 'budget_ladder',
    );
    const ladderSteps = transitions.filter((e) => e.trigger?.check === 'budget_ladder');
    expect(ladderAlerts.map((a) => a.alert_key).sort()).toEqual(ladderSteps.map((e) => e.trigger?.id).sort());
    expect(new Set(ladderAlerts.map((a) => a.alert_key)).size).toBe(ladderAlerts.length);
    expect(Object.fromEntries(ladderAlerts.map((a) => [a.alert_key, a.severity]))).toEqual(
      Object.fromEntries(
        ladderSteps.map((e) => [e.trigger?.id, e.to_mode === 'emergency' ? 'critical' : 'warning']),
      ),
    );
    const flags = await readFlags(context);
    expect(flags.in_sync).toBe(true);
    expect(flags.flags.find((f) => f.name === 'breaker_mode')?.set_by_execution).toBe(
      'ladder-2025-03-15-emergency',
    );
  }, 120_000);

  it('applies an admin override, audits it, and reverts it after its TTL', async () => {
    const request = validOverrideRequest({
      set: ['degradation_active=false'],
      reason: 'verified false positive',
      ttl: '1m',
      requestedBy: 'alice',
      ticket: 'FIN-7',
    });

    const started = await startOverride(context, request);
    expect(started.entry).toMatchObject({ kind: 'override_applied', actor: 'alice', ticket: 'FIN-7' });
    await settled('override');

    const kinds = (await ledger()).map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(['override_applied', 'override_reverted']));
    expect(await flagValues()).toMatchObject({ breaker_mode: 'emergency', degradation_active: 'true' });
    const alerts = await readAlerts(home, state.alertsTopicArn);
    expect(alerts.filter((a) => a.check === 'override')).toHaveLength(2);
  }, 60_000);

  it('rejects a bad override request with the field and the reason, before starting anything', () => {
    expect(() =>
      validOverrideRequest({
        set: ['degradation_active=maybe'],
        reason: 'x',
        ttl: '2000m',
        requestedBy: 'bob',
      }),
    ).toThrow(
      /flags\.degradation_active: must be boolean[\s\S]*reason: must NOT have fewer than 3 characters[\s\S]*ttl_minutes: must be <= 1440/,
    );
  });

  it('restores stepwise once the stream enters the next UTC day with normal spend', async () => {
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

    const steps = (await ledger()).filter((e) => e.kind === 'restore_step');
    expect(steps.map((e) => `${e.from_mode}->${e.to_mode}`)).toEqual([
      'emergency->cost_saving',
      'cost_saving->cache_aggressive',
      'cache_aggressive->normal',
    ]);
    expect(await flagValues()).toMatchObject({
      breaker_mode: 'normal',
      degradation_active: 'false',
      suspend_scale_in: 'false',
    });
  }, 120_000);
});
