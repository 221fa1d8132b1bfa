import { describe, expect, it } from '@jest/globals';
import { createReconcileFlags } from '../../../../functions/core/breaker/reconcile-flags';
import { InMemoryBreakerStore, InMemoryFlagPublisher } from '../../../helpers/in-memory-breaker';

const given = () => {
  const store = new InMemoryBreakerStore();
  const publisher = new InMemoryFlagPublisher();
  const source = {
    read: async (names: readonly string[]) =>
      Object.fromEntries(names.map((name) => [name, publisher.value(name.replace('/ccb/t/', ''))])),
  };
  return {
    store,
    publisher,
    reconcile: createReconcileFlags({ store, source, publisher, prefix: '/ccb/t/' }),
  };
};

describe('reconciling the published flags', () => {
  it('republishes every flag when SSM differs from the breaker state (a publish that failed)', async () => {
    const { store, publisher, reconcile } = given();
    await publisher.publish({ breaker_mode: 'normal', degradation_active: 'false' }, 'old');
    store.state = { ...store.state, mode: 'emergency', version: 3 };

    const result = await reconcile();

    expect(result.republished).toBe(true);
    expect(result.differences).toContainEqual({
      name: 'breaker_mode',
      published: 'normal',
      expected: 'emergency',
    });
    expect(publisher.value('degradation_active')).toBe('true');
    expect(publisher.parameters.get('breaker_mode')?.description).toBe(
      'execution=check reason=republish: SSM differed from breaker state v3',
    );
  });

  it('writes nothing when SSM already shows the state', async () => {
    const { publisher, reconcile } = given();
    await reconcile();
    const calls = publisher.calls;

    expect((await reconcile()).republished).toBe(false);
    expect(publisher.calls).toBe(calls);
  });
});
