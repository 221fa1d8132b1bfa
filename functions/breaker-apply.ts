import { type ApplyTriggerInput, createApplyTrigger } from './core/breaker/apply-trigger';
import { breakerStore } from './shared/breaker-store';
import { systemClock } from './shared/clock';
import { withPowertools } from './shared/middleware';
import { logger } from './shared/powertools';

const applyTrigger = createApplyTrigger({ store: breakerStore(), clock: systemClock });

/** Escalate workflow, step 1: compare-and-set the mode with its ledger entry. */
export const handler = withPowertools(async (input: ApplyTriggerInput) => {
  const result = await applyTrigger(input);
  logger.info('trigger applied', { trigger: input.trigger.id, execution: input.execution, ...result });
  return result;
});
