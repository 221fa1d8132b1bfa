import { describe, expect, it } from '@jest/globals';
import { TransientError } from '../../functions/core/breaker/errors';
import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import type { BreakerState } from '../../functions/core/breaker/state';
import { breakerWorld } from '../helpers/breaker-world';
import { InMemoryBreakerStore } from '../helpers/in-memory-breaker';
import type { ExecutionResult } from '../helpers/state-machine';
import { DAY, escalate, ladderTrigger, ssmDescriptions, ssmValues } from './given';

const NOW = `${DAY}T14:31:03.000Z`;
const throttled = () => new TransientError('ThrottlingException: Rate exceeded');

/** The DynamoDB transaction went through, but its response was lost (a 500 after the commit). */
class LosesOneCommitResponse extends InMemoryBreakerStore {
  private lost = false;

  override async commit(expectedVersion: number, next: BreakerState, entry: LedgerEntry) {
    const outcome = await super.commit(expectedVersion, next, entry);
    if (outcome === 'committed' && !this.lost) {
      this.lost = true;
      throw new TransientError('InternalServerError: the response to TransactWriteItems was lost');
    }
    return outcome;
  }
}

describe('the escalate state machine when a step fails', () => {
  it('retries a throttled PutParameter and publishes the flags', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    world.flags.failures.push(throttled(), throttled());

    // Act
    const result = await escalate(world, ladderTrigger('emergency'));

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', retried: ['PublishFlags', 'PublishFlags'] });
    expect(world.flags.calls).toBe(3);
    expect(ssmValues(world)).toMatchObject({ breaker_mode: 'emergency', degradation_active: 'true' });
    expect(world.store.kinds()).toEqual(['transition']);
    expect(world.alerts.published).toHaveLength(1);
  });

  it('records flags_publish_failed and fails with FlagsNotPublished when PutParameter fails beyond the retries', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    world.flags.failures.push(...Array.from({ length: 10 }, throttled));
    const trigger = ladderTrigger('emergency');

    // Act
    const result = await escalate(world, trigger);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'FlagsNotPublished' });
    expect(world.flags.calls).toBe(7);
    expect(world.flags.parameters.size).toBe(0);
    expect(world.store.state).toMatchObject({ mode: 'emergency', version: 1 });
    expect(world.store.ledger).toEqual([
      expect.objectContaining({ kind: 'transition', to_mode: 'emergency' }),
      expect.objectContaining({
        kind: 'flags_publish_failed',
        execution: trigger.id,
        detail: {
          caught: { Error: 'TransientError', Cause: expect.stringContaining('ThrottlingException') },
        },
      }),
    ]);
    expect(world.alerts.published).toEqual([]);
  });

  it('keeps the flags set and the transition audited, records notify_failed and fails with NotificationFailed when SNS fails', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    const denied = Object.assign(new Error('User is not authorized to perform SNS:Publish'), {
      name: 'AuthorizationErrorException',
    });
    world.alerts.failures.push(denied);
    const trigger = ladderTrigger('emergency');

    // Act
    const result = await escalate(world, trigger);

    // Assess
    expect(result).toMatchObject({ status: 'FAILED', error: 'NotificationFailed' });
    expect(ssmValues(world)).toMatchObject({ breaker_mode: 'emergency', degradation_active: 'true' });
    expect(ssmDescriptions(world)).toEqual([`execution=${trigger.id} reason=${trigger.summary}`]);
    expect(world.store.ledger).toEqual([
      expect.objectContaining({ kind: 'transition', to_mode: 'emergency', version: 1 }),
      expect.objectContaining({
        kind: 'notify_failed',
        detail: { caught: expect.objectContaining({ Error: 'AuthorizationErrorException' }) },
      }),
    ]);
    expect(world.alerts.published).toEqual([]);
  });

  it('makes one transition when two escalations race: the one that loses ends AlreadyThere', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW });
    const ladder = ladderTrigger('cost_saving');
    const forecast = { ...ladderTrigger('cost_saving'), id: `forecast-${DAY}`, check: 'forecast' as const };
    let second: Promise<ExecutionResult> | undefined;
    world.store.beforeCommit = () => {
      // The forecast execution runs in full between the ladder execution's read and its write.
      second = escalate(world, forecast);
      return second.then(() => undefined);
    };

    // Act
    const first = await escalate(world, ladder);

    // Assess
    const results = [first, await second];
    expect(results.map((r) => r?.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(first.states.at(-1)).toBe('AlreadyThere');
    expect(world.store.state).toMatchObject({ mode: 'cost_saving', version: 1 });
    expect(world.store.ledger).toEqual([
      expect.objectContaining({ kind: 'transition', execution: forecast.id }),
    ]);
    expect(ssmValues(world).breaker_mode).toBe('cost_saving');
    expect(world.alerts.published).toHaveLength(1);
  });

  it('makes one transition and still publishes the flags when the apply task is retried after its commit', async () => {
    // Prepare
    const world = breakerWorld({ now: NOW, store: new LosesOneCommitResponse() });
    const trigger = ladderTrigger('emergency');

    // Act
    const result = await escalate(world, trigger);

    // Assess
    expect(result).toMatchObject({ status: 'SUCCEEDED', retried: ['Apply'] });
    expect(world.store.state).toMatchObject({ mode: 'emergency', version: 1 });
    expect(world.store.kinds()).toEqual(['transition']);
    expect(ssmValues(world)).toMatchObject({ breaker_mode: 'emergency', degradation_active: 'true' });
    expect(world.alerts.published).toHaveLength(1);
    expect(world.alerts.published[0]?.subject).toContain('normal -> emergency');
  });
});
