import { describe, expect, it } from '@jest/globals';
import { createRestoreStep } from '../../../../functions/core/breaker/restore-step';
import { defaultCheckConfig } from '../../../helpers/check-config';
import { fixedClock, InMemoryBreakerStore, InMemorySpendSnapshots } from '../../../helpers/in-memory-breaker';

const usd = (n: number) => Math.round(n * 1e9);

const given = (spentOnNewDay: number) => {
  const store = new InMemoryBreakerStore();
  store.state = {
    ...store.state,
    mode: 'emergency',
    day: '2025-03-15',
    version: 3,
    raised: { suspend_scale_in: true },
  };
  const spend = new InMemorySpendSnapshots().set('2025-03-16', usd(spentOnNewDay));
  const step = createRestoreStep({
    store,
    clock: fixedClock('2025-03-16T00:20:00.000Z'),
    spend,
    config: defaultCheckConfig(usd(100), {}),
    stepSeconds: 900,
  });
  return { store, step };
};

describe('a restore step', () => {
  it('steps down one mode and lifts the raised flags', async () => {
    const { store, step } = given(0);

    const result = await step({ input: { day: '2025-03-16' }, execution: 'restore-2025-03-16' });

    expect(result).toMatchObject({
      outcome: 'stepped',
      from: 'emergency',
      to: 'cost_saving',
      next_step: 1,
      wait_seconds: 900,
    });
    expect(store.state.raised).toEqual({});
  });

  it("never steps below what the new day's own spend calls for", async () => {
    const { store, step } = given(72);

    const outcomes = [];
    for (let n = 0; n < 3; n += 1) {
      outcomes.push(
        (await step({ input: { day: '2025-03-16', step: n }, execution: 'restore-2025-03-16' })).outcome,
      );
    }

    expect(outcomes).toEqual(['stepped', 'stepped', 'current']);
    expect(store.state.mode).toBe('cache_aggressive');
  });

  it('reports its own step again when retried, without stepping twice', async () => {
    const { store, step } = given(0);
    await step({ input: { day: '2025-03-16', step: 0 }, execution: 'restore-2025-03-16' });

    const retried = await step({ input: { day: '2025-03-16', step: 0 }, execution: 'restore-2025-03-16' });

    expect(retried).toMatchObject({ outcome: 'stepped', from: 'emergency', to: 'cost_saving' });
    expect(store.state.mode).toBe('cost_saving');
  });
});
