import { describe, expect, it } from '@jest/globals';
import { InvalidOverrideRequest } from '../../../../functions/core/breaker/errors';
import { createOverride, overrideRequestProblems } from '../../../../functions/core/breaker/override';
import { fixedClock, InMemoryBreakerStore } from '../../../helpers/in-memory-breaker';

const valid = {
  flags: { degradation_active: false },
  reason: 'false positive during the sale',
  requested_by: 'alice',
  ticket: 'FINOPS-42',
  ttl_minutes: 30,
};

describe('an override request', () => {
  it('is accepted with flags, a reason, who asks and a TTL', () => {
    expect(overrideRequestProblems(valid)).toEqual([]);
    expect(overrideRequestProblems({ action: 'clear', reason: 'done', requested_by: 'bob' })).toEqual([]);
  });

  it.each([
    [{ ...valid, ttl_minutes: 1441 }, 'ttl_minutes: must be <= 1440'],
    [{ ...valid, ttl_minutes: 0 }, 'ttl_minutes: must be >= 1'],
    [{ ...valid, reason: undefined }, "reason: must have required property 'reason'"],
    [{ ...valid, flags: { kill_everything: true } }, 'kill_everything: is not a known field'],
    [
      { ...valid, flags: { model_tier_floor: 'opus' } },
      'flags.model_tier_floor: must be equal to one of the allowed values',
    ],
    [{ ...valid, requested_by: 'a b' }, 'requested_by: must match pattern'],
    [{ ...valid, ttl_minutes: undefined }, "ttl_minutes: must have required property 'ttl_minutes'"],
    [
      { action: 'clear', reason: 'done', requested_by: 'bob', ttl_minutes: 5 },
      'must be absent when action is clear',
    ],
  ])('is rejected with the field and the reason: %j', (request, problem) => {
    expect(overrideRequestProblems(JSON.parse(JSON.stringify(request))).join('; ')).toContain(problem);
  });

  it('is rejected before anything is written', async () => {
    const store = new InMemoryBreakerStore();
    const override = createOverride({ store, clock: fixedClock('2025-03-15T14:00:00.000Z') });
    await expect(override.apply({ ...valid, ttl_minutes: 5000 }, 'ov-1')).rejects.toBeInstanceOf(
      InvalidOverrideRequest,
    );
    expect(store.ledger).toEqual([]);
  });
});

describe('an override', () => {
  const given = () => {
    const store = new InMemoryBreakerStore();
    return { store, override: createOverride({ store, clock: fixedClock('2025-03-15T14:00:00.000Z') }) };
  };

  it('wins over the breaker for the flags it names, until its own revert', async () => {
    const { store, override } = given();
    store.state = { ...store.state, mode: 'emergency', version: 1 };

    const applied = await override.apply(valid, 'ov-1');
    expect(applied).toMatchObject({ outcome: 'changed', ttl_seconds: 1_800, clears: false });
    expect(applied.flags_after).toMatchObject({ degradation_active: false, model_tier_floor: 'haiku' });
    expect(store.ledger[0]).toMatchObject({ kind: 'override_applied', actor: 'alice', ticket: 'FINOPS-42' });

    const reverted = await override.revert('ov-1');
    expect(reverted.outcome).toBe('reverted');
    expect(reverted.flags_after.degradation_active).toBe(true);
    expect(store.state.override).toBeUndefined();
  });

  it('is superseded by a later override: the earlier revert leaves the later one in place', async () => {
    const { store, override } = given();
    await override.apply(valid, 'ov-1');
    await override.apply({ ...valid, flags: { suspend_scale_in: true } }, 'ov-2');

    expect((await override.revert('ov-1')).outcome).toBe('superseded');
    expect(store.state.override?.execution).toBe('ov-2');
    expect(store.kinds()).toEqual(['override_applied', 'override_applied', 'override_superseded']);
  });
});
