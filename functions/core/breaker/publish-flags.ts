import type { BreakerStore, FlagPublisher } from './ports';
import { effectiveFlags, parameterValues } from './state';

/** SSM keeps descriptions to 1024 characters. */
const MAX_DESCRIPTION = 1_024;

export const parameterDescription = (execution: string, reason: string): string =>
  `execution=${execution} reason=${reason}`.slice(0, MAX_DESCRIPTION);

/**
 * Writes every flag from the state item, whatever changed: idempotent, so a retry after throttling,
 * a republish after an outage or two executions publishing at once all converge on the state.
 */
export const createPublishFlags =
  (deps: { store: BreakerStore; publisher: FlagPublisher }) =>
  async ({ execution, reason }: { execution: string; reason: string }) => {
    const state = await deps.store.load();
    const published = parameterValues(effectiveFlags(state));
    await deps.publisher.publish(published, parameterDescription(execution, reason));
    return { version: state.version, published };
  };
