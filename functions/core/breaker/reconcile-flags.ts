import type { FlagSource } from './flag-client';
import type { BreakerStore, FlagPublisher } from './ports';
import { parameterDescription } from './publish-flags';
import { effectiveFlags, parameterValues } from './state';

export interface Reconciliation {
  version: number;
  /** Parameters whose published value differed from the state item, with both values. */
  differences: { name: string; published: string | null; expected: string }[];
  republished: boolean;
}

/**
 * Compares what SSM shows with what the breaker state says and republishes on any difference: the
 * repair after a workflow failed to publish (FlagsNotPublished), run by the scheduled check.
 */
export const createReconcileFlags =
  (deps: {
    store: Pick<BreakerStore, 'load'>;
    source: FlagSource;
    publisher: FlagPublisher;
    prefix: string;
  }) =>
  async (): Promise<Reconciliation> => {
    const state = await deps.store.load();
    const expected = parameterValues(effectiveFlags(state));
    const published = await deps.source.read(Object.keys(expected).map((name) => `${deps.prefix}${name}`));
    const differences = Object.entries(expected)
      .map(([name, value]) => ({
        name,
        published: published[`${deps.prefix}${name}`] ?? null,
        expected: value,
      }))
      .filter((d) => d.published !== d.expected);
    if (differences.length === 0) return { version: state.version, differences, republished: false };
    await deps.publisher.publish(
      expected,
      parameterDescription('check', `republish: SSM differed from breaker state v${state.version}`),
    );
    return { version: state.version, differences, republished: true };
  };
