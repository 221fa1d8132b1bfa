import { describe, expect, it } from '@jest/globals';
import { capPolicyDocument, capPolicyName } from '../../functions/core/breaker/cap-enforcement';
import { TransientError } from '../../functions/core/breaker/errors';
import type { OverrideRequest } from '../../functions/core/breaker/override';
import { usdToNano } from '../../functions/core/money';
import { breakerWorld } from '../helpers/breaker-world';
import { runExecution } from '../helpers/state-machine';
import { DAY, escalate, givenEscalated, ladderTrigger, NEXT_DAY, ssmValues } from './given';

const ROLES = ['chatbot-task', 'recommender-task'];
const POLICY = capPolicyName('test');
const CAP = ladderTrigger('cap');

const capWorld = (capEnforcementRoles = ROLES) =>
  breakerWorld({ now: `${DAY}T14:31:03.000Z`, capEnforcementRoles });

const accessDenied = (): Error => Object.assign(new Error('not authorized'), { name: 'AccessDenied' });

describe('the cap that holds', () => {
  it('at the cap rung attaches the deny to every listed role after publishing allow_listed_only, and audits it', async () => {
    // Prepare
    const world = capWorld();
    await givenEscalated(world, 'emergency');

    // Act
    const result = await escalate(world, CAP);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual([
      'Apply',
      'WhatHappened',
      'PublishFlags',
      'AtCap?',
      'EnforceCap',
      'Notify',
    ]);
    expect(ssmValues(world)).toMatchObject({ breaker_mode: 'cap', allow_listed_only: 'true' });
    expect(world.iam.holding(POLICY)).toEqual(ROLES);
    expect(JSON.parse((await world.iam.get('chatbot-task', POLICY)) ?? '{}')).toEqual(
      JSON.parse(capPolicyDocument('test')),
    );
    expect(JSON.parse(capPolicyDocument('test')).Statement).toEqual([
      expect.objectContaining({
        Effect: 'Deny',
        Action: ['bedrock:InvokeModel*', 'bedrock:Converse*'],
        Resource: '*',
      }),
    ]);
    expect(world.store.ledger.slice(1).map((e) => [e.kind, e.execution, e.detail?.roles])).toEqual([
      ['transition', CAP.id, undefined],
      ['cap_enforced', CAP.id, ROLES],
    ]);
    const alert = world.alerts.published.at(-1);
    expect(alert?.attributes.severity).toBe('critical');
    expect(alert?.body.enforcement).toMatchObject({ outcome: 'attached', enforced: true, roles: ROLES });
  });

  it('below the cap attaches nothing, and with no role listed the cap is the flag alone', async () => {
    // Prepare
    const emergencyOnly = capWorld();
    const noRoles = capWorld([]);
    await givenEscalated(noRoles, 'emergency');

    // Act
    await givenEscalated(emergencyOnly, 'emergency');
    const capped = await escalate(noRoles, CAP);

    // Assess
    expect(emergencyOnly.iam.calls).toEqual([]);
    expect(capped.status).toBe('SUCCEEDED');
    expect(ssmValues(noRoles)).toMatchObject({ allow_listed_only: 'true' });
    expect(noRoles.iam.calls).toEqual([]);
    expect(noRoles.store.kinds()).not.toContain('cap_enforced');
    expect(noRoles.alerts.published.at(-1)?.body.enforcement).toMatchObject({ outcome: 'not_configured' });
  });

  it('retries a throttled PutRolePolicy and audits the deny once it holds on every role', async () => {
    // Prepare
    const world = capWorld();
    world.iam.failures.push(new TransientError('Throttling: Rate exceeded'), new TransientError('again'));

    // Act
    const result = await escalate(world, CAP);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.retried).toEqual(['EnforceCap', 'EnforceCap']);
    expect(world.iam.holding(POLICY)).toEqual(ROLES);
    expect(world.store.kinds().filter((kind) => kind === 'cap_enforced')).toHaveLength(1);
  });

  it('when the deny cannot be attached, never says it is, records the failure and alerts critically', async () => {
    // Prepare: the first role takes it, the second refuses
    const world = capWorld();
    world.iam.refusing.set('recommender-task', accessDenied());

    // Act
    const result = await escalate(world, CAP);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'CapNotEnforced' });
    expect(result.states.slice(-3)).toEqual(['RecordEnforceFailed', 'NotifyEnforceFailed', 'CapNotEnforced']);
    expect(world.store.kinds()).toEqual(['transition', 'cap_enforcement_failed']);
    expect(ssmValues(world)).toMatchObject({ allow_listed_only: 'true' });
    const alert = world.alerts.published.at(-1);
    expect(alert?.attributes).toMatchObject({ severity: 'critical', check: 'cap_enforcement' });
    expect(alert?.subject).toContain('IAM deny could not be attached');
  });

  it("the next day's restore lifts the deny on its step down from cap, and records it", async () => {
    // Prepare
    const world = capWorld();
    await escalate(world, CAP);
    world.clock.set(`${NEXT_DAY}T00:10:00.000Z`);
    world.spend.set(NEXT_DAY, usdToNano(5), { 0: usdToNano(5) });

    // Act
    const result = await runExecution(world, 'restore', `restore-${NEXT_DAY}`, { day: NEXT_DAY });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states.filter((state) => state === 'LiftCap')).toHaveLength(1);
    expect(world.iam.holding(POLICY)).toEqual([]);
    expect(world.store.ledger.map((e) => [e.kind, e.from_mode ?? null, e.to_mode ?? null])).toEqual([
      ['transition', 'normal', 'cap'],
      ['cap_enforced', null, null],
      ['restore_step', 'cap', 'emergency'],
      ['cap_lifted', null, null],
      ['restore_step', 'emergency', 'cost_saving'],
      ['restore_step', 'cost_saving', 'cache_aggressive'],
      ['restore_step', 'cache_aggressive', 'normal'],
    ]);
    expect(world.store.ledger[3]?.detail).toMatchObject({ removed: ROLES, policy_name: POLICY });
  });

  it('an override lifting degradation lifts the deny with the cap flag, and its revert attaches it again', async () => {
    // Prepare
    const world = capWorld();
    await escalate(world, CAP);
    const request: OverrideRequest = {
      flags: { degradation_active: false },
      reason: 'the launch must answer',
      requested_by: 'alice@example.com',
      ticket: 'INC-7',
      ttl_minutes: 30,
    };
    let liftedWhileOverridden: string[] | undefined;

    // Act
    const result = await runExecution(world, 'override', 'override-INC-7', request, {
      beforeTask: {
        Revert: async () => {
          liftedWhileOverridden = world.iam.holding(POLICY);
        },
      },
    });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(liftedWhileOverridden).toEqual([]);
    expect(world.iam.holding(POLICY)).toEqual(ROLES);
    expect(world.store.kinds()).toEqual([
      'transition',
      'cap_enforced',
      'override_applied',
      'cap_lifted',
      'override_reverted',
      'cap_enforced',
    ]);
    expect(ssmValues(world)).toMatchObject({ breaker_mode: 'cap', allow_listed_only: 'true' });
  });
});
