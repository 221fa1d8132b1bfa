import { describe, expect, it } from '@jest/globals';
import { createApplyTrigger } from '../../../../functions/core/breaker/apply-trigger';
import type { Trigger } from '../../../../functions/core/breaker/trigger';
import { fixedClock, InMemoryBreakerStore } from '../../../helpers/in-memory-breaker';

const aTrigger = (overrides: Partial<Trigger> = {}): Trigger => ({
  id: 'ladder-2025-03-15-cost_saving',
  check: 'budget_ladder',
  severity: 'warning',
  to_mode: 'cost_saving',
  metric: 'daily_spend_pct',
  value: 85.02,
  threshold: 85,
  event_time: '2025-03-15T14:31:02.000Z',
  day: '2025-03-15',
  summary: 'daily spend reached 85.02% of the cap',
  ...overrides,
});

const given = () => {
  const store = new InMemoryBreakerStore();
  const apply = createApplyTrigger({ store, clock: fixedClock('2025-03-15T14:31:03.000Z') });
  return { store, apply };
};

describe('applying a trigger', () => {
  it('escalates the mode and writes one transition with the trigger, flags before and after', async () => {
    // Prepare
    const { store, apply } = given();

    // Act
    const result = await apply({ trigger: aTrigger(), execution: 'ladder-2025-03-15-cost_saving' });

    // Assess
    expect(result).toMatchObject({ outcome: 'changed', from: 'normal', to: 'cost_saving' });
    expect(result.flags_after).toMatchObject({ model_tier_floor: 'haiku', suspend_scale_in: true });
    expect(store.state).toMatchObject({ mode: 'cost_saving', version: 1, day: '2025-03-15' });
    expect(store.ledger).toHaveLength(1);
    expect(store.ledger[0]).toMatchObject({
      kind: 'transition',
      from_mode: 'normal',
      to_mode: 'cost_saving',
      actor: 'breaker',
      version: 1,
      trigger: { check: 'budget_ladder', metric: 'daily_spend_pct', value: 85.02, threshold: 85 },
      flags_before: { model_tier_floor: 'none' },
      flags_after: { model_tier_floor: 'haiku' },
    });
  });

  it('records when and by which check the mode was reached, for the look-ahead', async () => {
    const { store, apply } = given();

    await apply({ trigger: aTrigger(), execution: 'e1' });

    expect(store.state).toMatchObject({ mode_since: '2025-03-15T14:31:02.000Z', mode_by: 'budget_ladder' });
  });

  it('still alerts a critical rung crossed after the look-ahead reached its mode, changing nothing', async () => {
    const { store, apply } = given();
    const lookAhead = { id: 'lookahead-2025-03-15-emergency', check: 'look_ahead' as const };
    await apply({
      trigger: aTrigger({ ...lookAhead, to_mode: 'emergency', severity: 'critical' }),
      execution: 'e1',
    });
    const rung = aTrigger({ id: 'ladder-2025-03-15-emergency', to_mode: 'emergency', severity: 'critical' });

    const crossed = await apply({ trigger: rung, execution: 'ladder-2025-03-15-emergency' });
    const warning = await apply({ trigger: aTrigger(), execution: 'ladder-2025-03-15-cost_saving' });

    expect(crossed.outcome).toBe('alert');
    expect(warning.outcome).toBe('unchanged');
    expect(store.state).toMatchObject({ mode: 'emergency', version: 1, mode_by: 'look_ahead' });
    expect(store.ledger).toHaveLength(1);
  });

  it('makes one transition when the same trigger is applied twice', async () => {
    const { store, apply } = given();
    await apply({ trigger: aTrigger(), execution: 'e1' });

    const again = await apply({ trigger: aTrigger(), execution: 'e2' });

    expect(again.outcome).toBe('unchanged');
    expect(store.ledger).toHaveLength(1);
  });

  it('reports its own committed transition again when the task is retried, without a second change', async () => {
    const { store, apply } = given();
    await apply({ trigger: aTrigger(), execution: 'e1' });

    const retried = await apply({ trigger: aTrigger(), execution: 'e1' });

    expect(retried).toMatchObject({ outcome: 'changed', from: 'normal', to: 'cost_saving' });
    expect(store.state.version).toBe(1);
  });

  it('never steps down by itself', async () => {
    const { store, apply } = given();
    await apply({ trigger: aTrigger({ to_mode: 'emergency' }), execution: 'e1' });

    const lower = await apply({
      trigger: aTrigger({ id: 'x', to_mode: 'cache_aggressive' }),
      execution: 'e2',
    });

    expect(lower.outcome).toBe('unchanged');
    expect(store.state.mode).toBe('emergency');
  });

  it('ignores an escalation from a budget day before the mode was reached (a late event)', async () => {
    const { store, apply } = given();
    await apply({ trigger: aTrigger({ day: '2025-03-16', to_mode: 'cache_aggressive' }), execution: 'e1' });

    const late = await apply({
      trigger: aTrigger({ day: '2025-03-15', to_mode: 'emergency' }),
      execution: 'e2',
    });

    expect(late.outcome).toBe('unchanged');
    expect(store.state.mode).toBe('cache_aggressive');
  });

  it('serialises a concurrent escalation: the loser re-reads and finds the mode already set', async () => {
    const { store, apply } = given();
    store.beforeCommit = async () => {
      await apply({ trigger: aTrigger({ id: 'forecast' }), execution: 'other' });
    };

    const result = await apply({ trigger: aTrigger(), execution: 'mine' });

    expect(result.outcome).toBe('unchanged');
    expect(store.kinds()).toEqual(['transition']);
    expect(store.ledger[0]?.execution).toBe('other');
  });

  it('raises suspend_scale_in for a velocity spike without changing the mode', async () => {
    const { store, apply } = given();
    const velocity = aTrigger({
      check: 'spend_velocity',
      to_mode: undefined,
      flags: { suspend_scale_in: true },
    });

    const result = await apply({ trigger: velocity, execution: 'v' });

    expect(result).toMatchObject({ outcome: 'changed', from: 'normal', to: 'normal' });
    expect(result.flags_after.suspend_scale_in).toBe(true);
    expect(store.state.raised).toEqual({ suspend_scale_in: true });
    // Dated, so the next day's restore lifts it.
    expect(store.state.day).toBe('2025-03-15');
  });

  it('only alerts for a trigger that asks for nothing', async () => {
    const { store, apply } = given();
    const explosion = aTrigger({ check: 'token_explosion', to_mode: undefined });

    expect((await apply({ trigger: explosion, execution: 't' })).outcome).toBe('alert');
    expect(store.ledger).toHaveLength(0);
  });

  it('records a dry run and changes nothing while an override disables the breaker', async () => {
    const { store, apply } = given();
    store.state.override = {
      execution: 'ov',
      flags: { cost_circuit_breaker_enabled: false },
      reason: 'load test',
      requested_by: 'alice',
      applied_at: '2025-03-15T14:00:00.000Z',
      expires_at: '2025-03-15T15:00:00.000Z',
    };

    const result = await apply({ trigger: aTrigger(), execution: 'e1' });

    expect(result.outcome).toBe('disabled');
    expect(store.state).toMatchObject({ mode: 'normal', version: 0 });
    expect(store.ledger).toEqual([
      expect.objectContaining({ kind: 'dry_run', from_mode: 'normal', to_mode: 'cost_saving' }),
    ]);
  });
});
