import { createRecordEntry, type RecordInput } from './core/breaker/record-entry';
import { breakerStore } from './shared/breaker-store';
import { systemClock } from './shared/clock';
import { withPowertools } from './shared/middleware';
import { logger } from './shared/powertools';

const recordEntry = createRecordEntry({ store: breakerStore(), clock: systemClock });

/** Appends a ledger line for what went wrong after a transition (a failed publish or alert). */
export const handler = withPowertools(async (input: RecordInput) => {
  const result = await recordEntry(input);
  logger.warn('ledger entry recorded', { kind: input.kind, execution: input.execution, ...result });
  return result;
});
