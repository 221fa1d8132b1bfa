import { describe, expect, it } from '@jest/globals';
import { createEvaluateBreaker } from '../../../../functions/core/breaker/evaluate';
import type { PricedCostEvent } from '../../../../functions/core/events/cost-event';
import { defaultCheckConfig } from '../../../helpers/check-config';
import {
  fixedClock,
  InMemoryBreakerStore,
  InMemorySpendSnapshots,
  InMemoryWorkflowStarter,
} from '../../../helpers/in-memory-breaker';

const usd = (n: number) => Math.round(n * 1e9);

const given = () => {
  const store = new InMemoryBreakerStore();
  const spend = new InMemorySpendSnapshots();
  const starter = new InMemoryWorkflowStarter();
  const clock = fixedClock('2026-11-23T10:00:00.000Z');
  const evaluator = createEvaluateBreaker({
    spend,
    starter,
    loadState: () => store.load(),
    config: defaultCheckConfig(usd(100), {}),
    clock,
  });
  return { store, spend, starter, clock, evaluator };
};

const counted = (iso: string): PricedCostEvent =>
  ({
    eventId: iso,
    sessionId: 's',
    intent: 'faq',
    occurredAt: Date.parse(iso),
    inputTokens: 10,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
    reportedCostNano: null,
    costNano: 1,
  }) as PricedCostEvent;

describe('evaluating the breaker after a batch', () => {
  it('starts one escalate execution named by the trigger, judged at the batch event time', async () => {
    const { spend, starter, evaluator } = given();
    spend.set('2025-03-15', usd(86));

    const result = await evaluator.afterBatch([counted('2025-03-15T14:02:00.000Z')], []);

    expect(starter.started).toEqual([
      {
        workflow: 'escalate',
        name: 'ladder-2025-03-15-cost_saving',
        input: {
          trigger: expect.objectContaining({
            event_time: '2025-03-15T14:02:00.000Z',
            to_mode: 'cost_saving',
          }),
        },
      },
    ]);
    expect(result.failed).toEqual([]);
  });

  it('does not hand the same trigger over twice from one process', async () => {
    const { spend, starter, evaluator } = given();
    spend.set('2025-03-15', usd(86));
    await evaluator.afterBatch([counted('2025-03-15T14:02:00.000Z')], []);
    await evaluator.afterBatch([counted('2025-03-15T14:03:00.000Z')], []);
    expect(starter.started).toHaveLength(1);
  });

  it('reports a failed start and tries again on the next evaluation', async () => {
    const { spend, starter, evaluator } = given();
    spend.set('2025-03-15', usd(86));
    starter.failures.push(new Error('throttled'));

    const first = await evaluator.afterBatch([counted('2025-03-15T14:02:00.000Z')], []);
    const second = await evaluator.afterBatch([counted('2025-03-15T14:03:00.000Z')], []);

    expect(first.failed.map((f) => f.name)).toEqual(['ladder-2025-03-15-cost_saving']);
    expect(second.started).toEqual(['ladder-2025-03-15-cost_saving']);
  });

  it('starts the restore of a new day once the stream crosses midnight with the breaker escalated', async () => {
    const { store, starter, evaluator } = given();
    store.state = { ...store.state, mode: 'emergency', day: '2025-03-15', version: 3 };

    await evaluator.afterBatch(
      [counted('2025-03-15T23:59:59.999Z'), counted('2025-03-16T00:00:00.000Z')],
      [],
    );

    expect(starter.started).toEqual([
      { workflow: 'restore', name: 'restore-2025-03-16', input: { day: '2025-03-16' } },
    ]);
  });

  it('skips the spend checks of a day before the mode was reached', async () => {
    const { store, spend, starter, evaluator } = given();
    store.state = { ...store.state, mode: 'cache_aggressive', day: '2025-03-16', version: 1 };
    spend.set('2025-03-15', usd(99));

    await evaluator.afterBatch([counted('2025-03-15T23:59:00.000Z')], []);

    expect(starter.started).toEqual([]);
  });
});

describe('the scheduled check', () => {
  it("judges today's spend at the wall clock", async () => {
    const { spend, starter, evaluator } = given();
    spend.set('2026-11-23', usd(96));

    await evaluator.scheduled();

    expect(starter.started.map((s) => s.name)).toEqual(['ladder-2026-11-23-emergency']);
  });
});

describe('evaluating while an override disables the breaker', () => {
  it('names the dry run apart, so the same trigger acts once the breaker is enabled again', async () => {
    const { store, spend, starter, evaluator } = given();
    spend.set('2025-03-15', usd(86));
    store.state = {
      ...store.state,
      version: 4,
      override: {
        execution: 'ov',
        flags: { cost_circuit_breaker_enabled: false },
        reason: 'load test',
        requested_by: 'alice',
        applied_at: '2025-03-15T13:00:00.000Z',
        expires_at: '2025-03-15T15:00:00.000Z',
      },
    };
    await evaluator.afterBatch([counted('2025-03-15T14:02:00.000Z')], []);

    store.state = { ...store.state, version: 5, override: undefined };
    await evaluator.afterBatch([counted('2025-03-15T14:03:00.000Z')], []);

    expect(starter.started.map((s) => s.name)).toEqual([
      'ladder-2025-03-15-cost_saving-disabled-v4',
      'ladder-2025-03-15-cost_saving',
    ]);
  });
});
