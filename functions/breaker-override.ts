import { createOverride } from './core/breaker/override';
import { breakerStore } from './shared/breaker-store';
import { systemClock } from './shared/clock';
import { withPowertools } from './shared/middleware';
import { logger } from './shared/powertools';

const override = createOverride({ store: breakerStore(), clock: systemClock });

type OverrideTaskInput =
  | { action: 'apply'; request: unknown; execution: string }
  | { action: 'revert'; execution: string };

/** Override workflow: apply the validated request, or revert it after its TTL unless superseded. */
export const handler = withPowertools(async (input: OverrideTaskInput) => {
  const result =
    input.action === 'apply'
      ? await override.apply(input.request, input.execution)
      : await override.revert(input.execution);
  logger.info(`override ${input.action}`, {
    execution: input.execution,
    outcome: result.outcome,
    to: result.to,
  });
  return result;
});
