import { describe, expect, it } from '@jest/globals';
import { usdToNano } from '../../functions/core/money';
import { breakerWorld } from '../helpers/breaker-world';
import { runExecution } from '../helpers/state-machine';
import { DAY, givenEscalated, NEXT_DAY, ssmValues } from './given';

const RESTORE = `restore-${NEXT_DAY}`;

/** Escalated to `mode` on DAY, then the clock passes midnight into NEXT_DAY. */
const givenOvernight = async (mode: 'emergency' | 'cost_saving', spendInFirstQuarterUsd: number) => {
  const world = breakerWorld({ now: `${DAY}T14:31:03.000Z`, dailyBudgetUsd: 1_000 });
  await givenEscalated(world, mode);
  world.clock.set(`${NEXT_DAY}T00:10:00.000Z`);
  world.spend.set(NEXT_DAY, usdToNano(spendInFirstQuarterUsd), { 0: usdToNano(spendInFirstQuarterUsd) });
  return world;
};

describe('the restore state machine', () => {
  it('steps down from emergency one mode at a time on the next day while spend is normal, then succeeds', async () => {
    // Prepare: the velocity bound of a $1000 cap with no history is 3 x $1000 / 96 = $31.25 per 15 minutes
    const world = await givenOvernight('emergency', 5);

    // Act
    const result = await runExecution(world, 'restore', RESTORE, { day: NEXT_DAY });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED' });
    expect(result.states.at(-1)).toBe('Restored');
    expect(world.store.state).toMatchObject({ mode: 'normal', raised: {} });
    expect(world.store.ledger.slice(1).map((e) => [e.kind, e.execution, e.from_mode, e.to_mode])).toEqual([
      ['restore_step', RESTORE, 'emergency', 'cost_saving'],
      ['restore_step', RESTORE, 'cost_saving', 'cache_aggressive'],
      ['restore_step', RESTORE, 'cache_aggressive', 'normal'],
    ]);
    expect(
      world.alerts.published.slice(1).map((a) => [a.attributes.severity, a.attributes.check, a.subject]),
    ).toEqual([
      ['info', 'restore', expect.stringContaining('emergency -> cost_saving')],
      ['info', 'restore', expect.stringContaining('cost_saving -> cache_aggressive')],
      ['info', 'restore', expect.stringContaining('cache_aggressive -> normal')],
    ]);
    expect(ssmValues(world)).toEqual({
      breaker_mode: 'normal',
      degradation_active: 'false',
      model_tier_floor: 'none',
      suspend_scale_in: 'false',
      strict_token_budgets: 'false',
      allow_listed_only: 'false',
      cost_circuit_breaker_enabled: 'true',
    });
    expect(world.flags.history.at(-1)?.description).toBe(
      `execution=${RESTORE} reason=daily restore for ${NEXT_DAY}: cache_aggressive -> normal`,
    );
  });

  it('aborts with restore_aborted and an alert when spend spikes again on the new day', async () => {
    // Prepare: $200 in the first 15 minutes against a $31.25 bound
    const world = await givenOvernight('emergency', 200);
    const published = world.flags.history.length;

    // Act
    const result = await runExecution(world, 'restore', RESTORE, { day: NEXT_DAY });

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(world.store.state).toMatchObject({ mode: 'emergency', version: 1 });
    expect(world.store.ledger.slice(1)).toEqual([
      expect.objectContaining({
        kind: 'restore_aborted',
        execution: RESTORE,
        from_mode: 'emergency',
        to_mode: 'emergency',
        reason: '15-minute spend 200.00 is above 31.25',
      }),
    ]);
    expect(world.flags.history).toHaveLength(published);
    expect(world.alerts.published.slice(1)).toEqual([
      expect.objectContaining({
        subject: expect.stringContaining('stopped at emergency'),
        attributes: expect.objectContaining({ severity: 'warning', check: 'restore' }),
      }),
    ]);
  });

  it('leaves a mode reached on the new day itself', async () => {
    // Prepare
    const world = breakerWorld({ now: `${NEXT_DAY}T00:05:00.000Z` });
    await givenEscalated(world, 'cost_saving', NEXT_DAY);
    world.clock.set(`${NEXT_DAY}T00:10:00.000Z`);
    const alerts = world.alerts.published.length;

    // Act
    const result = await runExecution(world, 'restore', RESTORE, { day: NEXT_DAY });

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', states: ['StepDown', 'WhatHappened', 'Restored'] });
    expect(world.store.state).toMatchObject({ mode: 'cost_saving', version: 1 });
    expect(world.store.kinds()).toEqual(['transition']);
    expect(world.alerts.published).toHaveLength(alerts);
  });

  it('succeeds Restored at once when the breaker is already normal (midnight schedule input)', async () => {
    // Prepare
    const world = breakerWorld({ now: `${NEXT_DAY}T00:00:05.000Z` });

    // Act
    const result = await runExecution(world, 'restore', RESTORE, {});

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', states: ['StepDown', 'WhatHappened', 'Restored'] });
    expect(world.store.ledger).toEqual([]);
    expect(world.flags.calls).toBe(0);
    expect(world.alerts.published).toEqual([]);
  });
});
