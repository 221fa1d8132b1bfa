import { expect } from '@jest/globals';
import type { Mode } from '../../functions/core/breaker/modes';
import type { BreakerState } from '../../functions/core/breaker/state';
import type { Trigger } from '../../functions/core/breaker/trigger';
import type { BreakerWorld } from '../helpers/breaker-world';
import { runExecution } from '../helpers/state-machine';

/** The budget day of the scenarios, and the next one. */
export const DAY = '2025-03-15';
export const NEXT_DAY = '2025-03-16';

const RUNG: Record<Mode, { pct: number; severity: Trigger['severity'] }> = {
  normal: { pct: 0, severity: 'info' },
  cache_aggressive: { pct: 70, severity: 'warning' },
  cost_saving: { pct: 85, severity: 'warning' },
  emergency: { pct: 95, severity: 'critical' },
  cap: { pct: 100, severity: 'critical' },
};

/** The budget ladder's finding for a rung, as spendTriggers makes it (its id is the execution name). */
export const ladderTrigger = (mode: Mode, day = DAY): Trigger => ({
  id: `ladder-${day}-${mode}`,
  check: 'budget_ladder',
  severity: RUNG[mode].severity,
  to_mode: mode,
  metric: 'daily_spend_pct',
  value: RUNG[mode].pct + 0.02,
  threshold: RUNG[mode].pct,
  event_time: `${day}T14:31:02.000Z`,
  day,
  summary: `daily spend reached ${RUNG[mode].pct + 0.02}% of the $1000.00 cap`,
});

export const velocityTrigger = (day = DAY): Trigger => ({
  id: `velocity-${day}-14h`,
  check: 'spend_velocity',
  severity: 'warning',
  flags: { suspend_scale_in: true },
  metric: 'rolling_15min_spend_ratio',
  value: 4.2,
  threshold: 3,
  event_time: `${day}T14:31:02.000Z`,
  day,
  summary: '15-minute spend $43.75 is 4.2x its baseline $10.42 (at 14:30)',
});

export const tokenExplosionTrigger = (day = DAY): Trigger => ({
  id: `token_explosion-${day}T14_30`,
  check: 'token_explosion',
  severity: 'warning',
  metric: 'prompt_tokens',
  value: 48_213,
  threshold: 10_000,
  event_time: `${day}T14:31:02.000Z`,
  day,
  ids: ['evt-0001', 'evt-0002'],
  summary: '2 request(s) over 10000 prompt tokens, the largest 48213',
});

/** Runs the escalate workflow for a trigger, named by its id as the check starts it. */
export const escalate = (world: Pick<BreakerWorld, 'functions'>, trigger: Trigger, name = trigger.id) =>
  runExecution(world, 'escalate', name, { trigger });

/** The breaker escalated to `mode` on `day` through the escalate workflow itself. */
export const givenEscalated = async (world: BreakerWorld, mode: Mode, day = DAY): Promise<BreakerState> => {
  const result = await escalate(world, ladderTrigger(mode, day));
  expect(result.status).toBe('SUCCEEDED');
  expect(world.store.state.mode).toBe(mode);
  return structuredClone(world.store.state);
};

/** SSM as consumers read it: name -> value. */
export const ssmValues = (world: BreakerWorld): Record<string, string> =>
  Object.fromEntries([...world.flags.parameters].map(([name, p]) => [name, p.value]));

export const ssmDescriptions = (world: BreakerWorld): string[] => [
  ...new Set([...world.flags.parameters.values()].map((p) => p.description)),
];
