import { describe, expect, it } from '@jest/globals';
import {
  capPolicyName,
  createEnforceCap,
  parseRoleList,
} from '../../../../functions/core/breaker/cap-enforcement';
import { effectiveFlags, INITIAL_STATE } from '../../../../functions/core/breaker/state';
import { fixedClock, InMemoryBreakerStore, InMemoryRolePolicies } from '../../../helpers/in-memory-breaker';

const capState = () => ({
  ...structuredClone(INITIAL_STATE),
  version: 4,
  mode: 'cap' as const,
  day: '2025-03-15',
});

const anOverride = (flags: Record<string, unknown>) => ({
  execution: 'override-1',
  flags,
  reason: 'r',
  requested_by: 'a@example.com',
  applied_at: '2025-03-15T15:00:00.000Z',
  expires_at: '2025-03-15T15:30:00.000Z',
});

const setup = (roles = ['chatbot']) => {
  const store = new InMemoryBreakerStore();
  const policies = new InMemoryRolePolicies();
  const enforce = createEnforceCap({
    store,
    policies,
    roles,
    stage: 'prod',
    clock: fixedClock('2025-03-15T15:00:00.000Z'),
  });
  return { store, policies, enforce };
};

describe('the cap flag', () => {
  it('holds at cap only, and an override that lifts degradation or disables the breaker lifts it too', () => {
    expect(effectiveFlags({ ...capState(), mode: 'emergency' }).allow_listed_only).toBe(false);
    expect(effectiveFlags(capState()).allow_listed_only).toBe(true);
    expect(
      effectiveFlags({ ...capState(), override: anOverride({ degradation_active: false }) })
        .allow_listed_only,
    ).toBe(false);
    expect(
      effectiveFlags({ ...capState(), override: anOverride({ cost_circuit_breaker_enabled: false }) })
        .allow_listed_only,
    ).toBe(false);
    expect(
      effectiveFlags({ ...capState(), override: anOverride({ suspend_scale_in: false }) }).allow_listed_only,
    ).toBe(true);
  });
});

describe('enforce cap', () => {
  it('is idempotent: a retried attach writes one ledger entry, keyed by execution and version', async () => {
    const { store, policies, enforce } = setup();
    store.state = capState();

    await enforce({ execution: 'ladder-cap' });
    const again = await enforce({ execution: 'ladder-cap' });

    expect(again).toMatchObject({ outcome: 'attached', entry_id: 'ladder-cap#cap_enforced@v4' });
    expect(store.kinds()).toEqual(['cap_enforced']);
    expect(policies.holding(capPolicyName('prod'))).toEqual(['chatbot']);
  });

  it('lifts only its own policy name, and writes no line when nothing was attached', async () => {
    const { store, policies, enforce } = setup();
    await policies.put('chatbot', 'team-own-policy', '{}');
    store.state = { ...capState(), mode: 'emergency' };

    const result = await enforce({ execution: 'restore-2025-03-16' });

    expect(result).toMatchObject({ outcome: 'lifted', enforced: false });
    expect(result.entry_id).toBeUndefined();
    expect(store.kinds()).toEqual([]);
    expect(policies.holding('team-own-policy')).toEqual(['chatbot']);
  });

  it('does nothing at all when the stage lists no role', async () => {
    const { store, policies, enforce } = setup([]);
    store.state = capState();

    expect(await enforce({ execution: 'x' })).toMatchObject({ outcome: 'not_configured', enforced: false });
    expect(policies.calls).toEqual([]);
    expect(store.kinds()).toEqual([]);
  });

  it('reads a stage list of role names', () => {
    expect(parseRoleList(' a, b ,,')).toEqual(['a', 'b']);
    expect(parseRoleList(undefined)).toEqual([]);
  });
});
