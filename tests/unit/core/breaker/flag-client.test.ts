import { describe, expect, it } from '@jest/globals';
import { createFlagClient, type FlagSource } from '../../../../functions/core/breaker/flag-client';

const PREFIX = '/ccb/test/';

class FakeFlagSource implements FlagSource {
  calls = 0;
  failing = false;
  constructor(readonly values: Record<string, string>) {}

  async read(names: readonly string[]): Promise<Record<string, string | undefined>> {
    this.calls += 1;
    if (this.failing) throw new Error('SSM unreachable');
    return Object.fromEntries(names.map((name) => [name, this.values[name.slice(PREFIX.length)]]));
  }
}

const aSource = (values: Record<string, string>) => new FakeFlagSource(values);

const aClient = (source: FlagSource, clock = { now: 0 }) =>
  createFlagClient({
    source,
    prefix: PREFIX,
    stories: ['llm', 'rag'],
    techniques: { llm: ['prompt_compression'] },
    clock: { now: () => clock.now },
  });

describe('flag client', () => {
  it('lets degradation_active override everything else', async () => {
    const flags = await aClient(
      aSource({
        degradation_active: 'true',
        model_tier_floor: 'none',
        llm_optimization_enabled: 'true',
        prompt_compression_enabled: 'true',
      }),
    ).flags();

    expect(flags).toMatchObject({ degraded: true, modelTierFloor: 'haiku', suspendScaleIn: true });
    expect(flags.optimizationEnabled('llm')).toBe(false);
    expect(flags.techniqueEnabled('llm', 'prompt_compression')).toBe(false);
  });

  it('holds token budgets when the mode asks for it or degradation implies it, and not otherwise', async () => {
    const flagsFor = (strict: string, degraded: string) =>
      aClient(aSource({ strict_token_budgets: strict, degradation_active: degraded })).flags();
    const asked = await flagsFor('true', 'false');
    const implied = await flagsFor('false', 'true');
    const normal = await flagsFor('false', 'false');

    expect(asked).toMatchObject({ strictTokenBudgets: true, degraded: false, modelTierFloor: 'none' });
    expect(implied.strictTokenBudgets).toBe(true);
    expect(normal.strictTokenBudgets).toBe(false);
  });

  it('honours a story flag and then its technique flags', async () => {
    const flags = await aClient(
      aSource({
        llm_optimization_enabled: 'true',
        rag_optimization_enabled: 'false',
        prompt_compression_enabled: 'true',
      }),
    ).flags();

    expect(flags.optimizationEnabled('llm')).toBe(true);
    expect(flags.optimizationEnabled('rag')).toBe(false);
    expect(flags.techniqueEnabled('llm', 'prompt_compression')).toBe(true);
  });

  it('falls back to safe defaults when the source is unreachable: not degraded, optimisations off', async () => {
    const source = aSource({});
    source.failing = true;

    const flags = await aClient(source).flags();

    expect(flags).toMatchObject({ degraded: false, modelTierFloor: 'none', fromDefaults: true });
    expect(flags.optimizationEnabled('llm')).toBe(false);
  });

  it('reads the source at most once per cache period, and sees a change after it', async () => {
    const clock = { now: 0 };
    const source = aSource({ degradation_active: 'false' });
    const client = aClient(source, clock);

    await client.flags();
    source.values.degradation_active = 'true';
    clock.now = 999;
    const cachedRead = await client.flags();
    clock.now = 1_000;
    const freshRead = await client.flags();

    expect(source.calls).toBe(2);
    expect(cachedRead.degraded).toBe(false);
    expect(freshRead.degraded).toBe(true);
  });

  it('keeps the last good flags through an outage, and asks again only after the cache period', async () => {
    const clock = { now: 0 };
    const source = aSource({ degradation_active: 'true' });
    const client = aClient(source, clock);
    await client.flags();
    source.failing = true;

    clock.now = 6_000;
    const during = await client.flags();
    clock.now = 6_999;
    await client.flags();

    expect(during).toMatchObject({ degraded: true, fromDefaults: false });
    expect(source.calls).toBe(2);
  });

  describe('at the cap (allow_listed_only)', () => {
    const capped = (allowListed?: string[]) =>
      createFlagClient({
        source: aSource({
          allow_listed_only: 'true',
          degradation_active: 'false',
          llm_optimization_enabled: 'true',
        }),
        prefix: PREFIX,
        stories: ['llm'],
        ...(allowListed !== undefined && { allowListed }),
        clock: { now: () => 0 },
      }).flags();

    it('stops every model call but the allow-listed ones', async () => {
      const flags = await capped(['safety_classifier']);

      expect(flags.allowListedOnly).toBe(true);
      expect(flags.modelCallAllowed('safety_classifier')).toBe(true);
      expect(flags.modelCallAllowed('llm')).toBe(false);
    });

    it('stops them all when the consumer allow-lists nothing', async () => {
      expect((await capped()).modelCallAllowed('safety_classifier')).toBe(false);
    });

    it('implies degradation, whatever degradation_active says (seed 000: degradation overrides every story)', async () => {
      const flags = await capped();

      expect(flags).toMatchObject({ degraded: true, modelTierFloor: 'haiku', suspendScaleIn: true });
      expect(flags.optimizationEnabled('llm')).toBe(false);
    });

    it('lets every call through below the cap and on the safe defaults', async () => {
      const below = await aClient(aSource({ degradation_active: 'true' })).flags();
      const source = aSource({});
      source.failing = true;
      const defaults = await aClient(source).flags();

      expect(below.modelCallAllowed('llm')).toBe(true);
      expect(defaults).toMatchObject({ fromDefaults: true, allowListedOnly: false });
      expect(defaults.modelCallAllowed('llm')).toBe(true);
    });
  });
});
