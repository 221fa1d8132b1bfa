import { describe, expect, it } from '@jest/globals';
import { INITIAL_STATE } from '../../functions/core/breaker/state';
import { breakerWorld } from '../helpers/breaker-world';
import {
  DAY,
  escalate,
  givenEscalated,
  ladderTrigger,
  ssmDescriptions,
  ssmValues,
  tokenExplosionTrigger,
  velocityTrigger,
} from './given';

const NOW = `${DAY}T14:31:03.000Z`;

describe('the escalate state machine', () => {
  it('changes the mode on a ladder trigger, publishes the flags, records one transition and sends one alert', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    const trigger = ladderTrigger('cost_saving');

    // Act
    const result = await escalate(world, trigger);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(world.store.state).toMatchObject({ mode: 'cost_saving', version: 1, day: DAY });
    expect(world.store.ledger).toEqual([
      expect.objectContaining({
        kind: 'transition',
        execution: trigger.id,
        actor: 'breaker',
        reason: trigger.summary,
        from_mode: 'normal',
        to_mode: 'cost_saving',
        version: 1,
        trigger: expect.objectContaining({ id: trigger.id, check: 'budget_ladder', value: 85.02 }),
      }),
    ]);
    expect(ssmValues(world)).toEqual({
      breaker_mode: 'cost_saving',
      degradation_active: 'false',
      model_tier_floor: 'haiku',
      suspend_scale_in: 'true',
      strict_token_budgets: 'true',
      allow_listed_only: 'false',
      cost_circuit_breaker_enabled: 'true',
    });
    expect(ssmDescriptions(world)).toEqual([`execution=${trigger.id} reason=${trigger.summary}`]);
    expect(world.alerts.published).toHaveLength(1);
    expect(world.alerts.published[0]).toMatchObject({
      subject: expect.stringContaining('normal -> cost_saving'),
      attributes: { severity: 'warning', check: 'budget_ladder', alert_key: trigger.id },
      body: { outcome: 'changed', execution: trigger.id, ledger_entry: world.store.ledger[0]?.entry_id },
    });
  });

  it('ends AlreadyThere and changes nothing when the same trigger runs again', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    const trigger = ladderTrigger('cost_saving');
    await escalate(world, trigger);
    const published = world.flags.history.length;

    // Act
    const again = await escalate(world, trigger, `${trigger.id}-redelivered`);

    // Assess
    expect(again).toMatchObject({ status: 'SUCCEEDED', states: ['Apply', 'WhatHappened', 'AlreadyThere'] });
    expect(world.store.state.version).toBe(1);
    expect(world.store.kinds()).toEqual(['transition']);
    expect(world.flags.history).toHaveLength(published);
    expect(world.alerts.published).toHaveLength(1);
  });

  it('does nothing for a trigger below the current mode: the breaker never steps down by itself', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    await givenEscalated(world, 'emergency');
    const published = world.flags.history.length;

    // Act
    const lower = await escalate(world, ladderTrigger('cache_aggressive'));

    // Assess
    expect(lower.states.at(-1)).toBe('AlreadyThere');
    expect(world.store.state).toMatchObject({ mode: 'emergency', version: 1 });
    expect(world.store.kinds()).toEqual(['transition']);
    expect(world.flags.history).toHaveLength(published);
    expect(ssmValues(world).breaker_mode).toBe('emergency');
    expect(world.alerts.published).toHaveLength(1);
  });

  it('only alerts on an alert-only trigger (token explosion): no transition, flags untouched', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    const trigger = tokenExplosionTrigger();

    // Act
    const result = await escalate(world, trigger);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(world.store.state).toEqual(INITIAL_STATE);
    expect(world.store.ledger).toEqual([]);
    expect(world.flags.calls).toBe(0);
    expect(world.alerts.published).toEqual([
      expect.objectContaining({
        subject: `[WARNING] ccb test: ${trigger.summary}`,
        attributes: expect.objectContaining({ severity: 'warning', check: 'token_explosion' }),
        body: expect.objectContaining({
          outcome: 'alert',
          trigger: expect.objectContaining({ ids: trigger.ids }),
        }),
      }),
    ]);
  });

  it('raises suspend_scale_in on a velocity trigger without changing the mode', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    const trigger = velocityTrigger();

    // Act
    const result = await escalate(world, trigger);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(world.store.state).toMatchObject({
      mode: 'normal',
      version: 1,
      raised: { suspend_scale_in: true },
    });
    expect(world.store.ledger).toEqual([
      expect.objectContaining({ kind: 'transition', from_mode: 'normal', to_mode: 'normal' }),
    ]);
    expect(ssmValues(world)).toMatchObject({
      breaker_mode: 'normal',
      suspend_scale_in: 'true',
      degradation_active: 'false',
    });
    expect(world.alerts.published).toHaveLength(1);
    expect(world.alerts.published[0]?.attributes.severity).toBe('warning');
  });

  it('records a dry run and says it would have acted while an override disables the breaker', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    world.store.state = {
      ...structuredClone(INITIAL_STATE),
      version: 1,
      override: {
        execution: 'override-incident-42',
        flags: { cost_circuit_breaker_enabled: false },
        reason: 'load test, spend expected',
        requested_by: 'alice',
        applied_at: `${DAY}T14:00:00.000Z`,
        expires_at: `${DAY}T16:00:00.000Z`,
      },
    };
    const trigger = ladderTrigger('emergency');

    // Act
    const result = await escalate(world, trigger);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(world.store.state).toMatchObject({ mode: 'normal', version: 1 });
    expect(world.store.ledger).toEqual([
      expect.objectContaining({
        kind: 'dry_run',
        execution: trigger.id,
        from_mode: 'normal',
        to_mode: 'emergency',
      }),
    ]);
    expect(world.flags.calls).toBe(0);
    expect(world.alerts.published).toHaveLength(1);
    expect(world.alerts.published[0]).toMatchObject({
      subject: expect.stringContaining('would have'),
      attributes: { severity: 'critical' },
      body: { outcome: 'disabled' },
    });
  });
});
