import { describe, expect, it } from '@jest/globals';
import type { OverrideRequest } from '../../functions/core/breaker/override';
import { INITIAL_STATE } from '../../functions/core/breaker/state';
import { breakerWorld } from '../helpers/breaker-world';
import { type ExecutionResult, gate, runExecution } from '../helpers/state-machine';
import { DAY, escalate, givenEscalated, ladderTrigger, ssmValues } from './given';

const NOW = `${DAY}T15:02:00.000Z`;

const keepAnswering: OverrideRequest = {
  flags: { degradation_active: false },
  reason: 'checkout answers must stay full quality during the launch',
  requested_by: 'alice@example.com',
  ticket: 'INC-42',
  ttl_minutes: 30,
};

const override = (world: ReturnType<typeof breakerWorld>, name: string, request: unknown, options = {}) =>
  runExecution(world, 'override', name, request, options);

describe('the override state machine', () => {
  it('applies, audits, publishes and announces the override, waits its TTL, then reverts to the breaker flags', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    await givenEscalated(world, 'emergency');
    const before = world.flags.history.length;

    // Act
    const result = await override(world, 'override-INC-42', keepAnswering);

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(result.states).toEqual(expect.arrayContaining(['WaitForTtl', 'Revert', 'PublishRevertedFlags']));
    expect(world.store.state).toMatchObject({ mode: 'emergency', version: 3 });
    expect(world.store.state.override).toBeUndefined();
    expect(world.store.ledger.slice(1)).toEqual([
      expect.objectContaining({
        kind: 'override_applied',
        execution: 'override-INC-42',
        actor: 'alice@example.com',
        ticket: 'INC-42',
        reason: keepAnswering.reason,
        flags_after: expect.objectContaining({ degradation_active: false, breaker_mode: 'emergency' }),
      }),
      expect.objectContaining({
        kind: 'override_reverted',
        execution: 'override-INC-42',
        actor: 'breaker',
        flags_after: expect.objectContaining({ degradation_active: true }),
      }),
    ]);
    expect(world.flags.history.slice(before)).toEqual([
      {
        values: expect.objectContaining({ breaker_mode: 'emergency', degradation_active: 'false' }),
        description: `execution=override-INC-42 reason=alice@example.com set degradation_active=false for 30 min: ${keepAnswering.reason}`,
      },
      {
        values: expect.objectContaining({ breaker_mode: 'emergency', degradation_active: 'true' }),
        description:
          "execution=override-INC-42 reason=override TTL elapsed: flags back to the breaker's (emergency)",
      },
    ]);
    expect(world.alerts.published.slice(1).map((a) => a.attributes)).toEqual([
      expect.objectContaining({ severity: 'warning', check: 'override' }),
      expect.objectContaining({ severity: 'warning', check: 'override' }),
    ]);
  });

  it("leaves a later override in place: the first's revert finds itself superseded, the second's restores", async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    await givenEscalated(world, 'emergency');
    const secondAtRevert = gate();
    const floorOff = {
      ...keepAnswering,
      flags: { degradation_active: false, model_tier_floor: 'none' },
      ttl_minutes: 60,
    };
    let second: Promise<ExecutionResult> | undefined;

    // Act
    const first = override(world, 'override-1', keepAnswering, {
      beforeTask: {
        // The second override is applied while the first waits out its TTL, and reverts after the first.
        Revert: async () => {
          second = override(world, 'override-2', floorOff, {
            beforeTask: {
              Revert: async () => {
                secondAtRevert.open();
                await first;
              },
            },
          });
          await secondAtRevert.opened;
        },
      },
    });
    const results = [await first, await second];

    // Assess
    expect(results.map((r) => r?.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(results[0]?.states.at(-1)).toBe('Superseded');
    expect(world.store.ledger.slice(1).map((e) => [e.kind, e.execution])).toEqual([
      ['override_applied', 'override-1'],
      ['override_applied', 'override-2'],
      ['override_superseded', 'override-1'],
      ['override_reverted', 'override-2'],
    ]);
    expect(world.store.ledger.find((e) => e.kind === 'override_superseded')?.detail).toEqual({
      active: 'override-2',
    });
    expect(world.store.state.override).toBeUndefined();
    expect(world.flags.history.map((h) => h.values.model_tier_floor)).toEqual([
      'haiku',
      'haiku',
      'none',
      'haiku',
    ]);
    expect(ssmValues(world)).toMatchObject({ degradation_active: 'true', model_tier_floor: 'haiku' });
    expect(world.alerts.published.map((a) => a.body.execution)).toEqual([
      ladderTrigger('emergency').id,
      'override-1',
      'override-2',
      'override-2',
    ]);
  });

  it('removes the active override at once on action clear, without waiting', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    await givenEscalated(world, 'emergency');
    let clear: ExecutionResult | undefined;

    // Act
    const first = await override(world, 'override-1', keepAnswering, {
      beforeTask: {
        Revert: async () => {
          clear = await override(world, 'override-clear', {
            action: 'clear',
            reason: 'launch done, back to the breaker',
            requested_by: 'bob',
            ticket: 'INC-42',
          });
        },
      },
    });

    // Assess
    expect(clear).toMatchObject({ status: 'SUCCEEDED' });
    expect(clear?.states).not.toContain('WaitForTtl');
    expect(clear?.states.at(-1)).toBe('Cleared');
    expect(world.store.ledger.slice(1).map((e) => [e.kind, e.actor])).toEqual([
      ['override_applied', 'alice@example.com'],
      ['override_cleared', 'bob'],
      ['override_superseded', 'breaker'],
    ]);
    expect(first.states.at(-1)).toBe('Superseded');
    expect(world.store.state.override).toBeUndefined();
    expect(world.flags.history.at(-1)).toEqual({
      values: expect.objectContaining({ degradation_active: 'true' }),
      description:
        'execution=override-clear reason=bob cleared the override: launch done, back to the breaker',
    });
  });

  it.each([
    ['a TTL over a day', { ...keepAnswering, ttl_minutes: 2000 }, 'ttl_minutes: must be <= 1440'],
    [
      'an unknown flag',
      { ...keepAnswering, flags: { kill_switch: true } },
      'kill_switch: is not a known field',
    ],
    ['no reason', { ...keepAnswering, reason: undefined }, "reason: must have required property 'reason'"],
  ])(
    'rejects a request with %s, naming the field and reason, and changes nothing',
    async (_, request, problem) => {
      // Prepare
      const world = breakerWorld({ now: NOW });

      // Act
      const result = await override(world, 'override-bad', request);

      // Assess
      expect(result).toMatchObject({ status: 'FAILED', error: 'InvalidOverrideRequest', retried: [] });
      expect(result.cause).toContain(problem);
      expect(world.store.state).toEqual(INITIAL_STATE);
      expect(world.store.ledger).toEqual([]);
      expect(world.flags.calls).toBe(0);
      expect(world.alerts.published).toEqual([]);
    },
  );

  it('turns escalations into dry runs while it disables the breaker, and escalation acts again after the revert', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    const disable = {
      flags: { cost_circuit_breaker_enabled: false },
      reason: 'load test, the spend is expected',
      requested_by: 'alice',
      ttl_minutes: 60,
    };
    let during: ExecutionResult | undefined;

    // Act
    const result = await override(world, 'override-load-test', disable, {
      beforeTask: {
        Revert: async () => {
          during = await escalate(world, ladderTrigger('emergency'));
        },
      },
    });
    const after = await escalate(world, ladderTrigger('cap'));

    // Assess
    expect(result.status).toBe('SUCCEEDED');
    expect(during?.status).toBe('SUCCEEDED');
    expect(after.status).toBe('SUCCEEDED');
    expect(world.store.ledger.map((e) => [e.kind, e.to_mode])).toEqual([
      ['override_applied', 'normal'],
      ['dry_run', 'emergency'],
      ['override_reverted', 'normal'],
      ['transition', 'cap'],
    ]);
    expect(
      world.flags.history.map((h) => [h.values.cost_circuit_breaker_enabled, h.values.breaker_mode]),
    ).toEqual([
      ['false', 'normal'],
      ['true', 'normal'],
      ['true', 'cap'],
    ]);
    expect(world.alerts.published.map((a) => a.body.outcome)).toEqual([
      'changed',
      'disabled',
      'reverted',
      'changed',
    ]);
    expect(world.alerts.published[1]?.subject).toContain('would have');
  });
});
