import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BEDROCK_CATALOG, type CatalogModel, picoPerToken } from '../../../../functions/core/pricing/catalog';
import {
  createPriceTable,
  DEFAULT_PRICE_TABLE,
  type TokenUsage,
} from '../../../../functions/core/pricing/price-table';
import {
  buildCatalog,
  CATALOG_PATH,
  catalogFileText,
  committedCatalog,
  installedSource,
  readSupplement,
} from '../../../../scripts/build/price-catalog';

const AT = Date.parse('2026-12-01T12:00:00.000Z');
const usage = (input: number, output = 0, extra: Partial<TokenUsage> = {}): TokenUsage => ({
  inputTokens: input,
  outputTokens: output,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  ...extra,
});
const usd = (modelId: string, u: TokenUsage, region = 'us-east-1', at = AT) =>
  DEFAULT_PRICE_TABLE.price(modelId, region, u, at).costNano / 1e9;

const SONNET_45 = 'anthropic.claude-sonnet-4-5-20250929-v1:0';
const HAIKU_45 = 'anthropic.claude-haiku-4-5-20251001-v1:0';
const MILLION = 1_000_000;

describe('the price catalog', () => {
  it('is current against its kept source and the supplement (run `npm run prices:update`)', () => {
    const committed = committedCatalog();
    const source = installedSource();
    const fresh = buildCatalog(source.models, source.version, readSupplement(), committed?.version ?? '');
    expect(fresh).toEqual(committed);
    expect(catalogFileText(fresh)).toBe(readFileSync(CATALOG_PATH, 'utf8'));
  });

  it('covers the vendors Bedrock lists', () => {
    const families = new Set(BEDROCK_CATALOG.models.map((m) => m.family));
    for (const vendor of [
      'anthropic',
      'amazon',
      'meta',
      'mistral',
      'cohere',
      'deepseek',
      'openai',
      'qwen',
      'google',
    ])
      expect([vendor, families.has(vendor)]).toEqual([vendor, true]);
  });

  it('converts every published price to whole pico-dollars exactly, rounding up what is finer', () => {
    expect(picoPerToken(0.00875)).toBe(8_750);
    expect(picoPerToken(3.4375)).toBe(3_437_500);
    expect(picoPerToken(0.0000001)).toBe(1);
  });
});

describe('prices at the reference points of DESIGN 15 (USD per million tokens)', () => {
  it.each([
    [`global.${SONNET_45}`, 3, 15],
    [SONNET_45, 3.3, 16.5],
    [`us.${SONNET_45}`, 3.3, 16.5],
    [`global.${HAIKU_45}`, 1, 5],
    [`eu.${HAIKU_45}`, 1.1, 5.5],
    ['anthropic.claude-sonnet-4-20250514-v1:0', 3, 15],
    ['global.anthropic.claude-opus-4-5-v1:0', 5, 25],
    ['anthropic.claude-opus-4-5-v1:0', 5.5, 27.5],
    ['amazon.nova-micro-v1:0', 0.035, 0.14],
    ['us.amazon.nova-lite-v1:0', 0.06, 0.24],
    ['apac.amazon.nova-pro-v1:0', 0.8, 3.2],
  ])('%s: input %d, output %d', (model, input, output) => {
    expect(usd(model, usage(MILLION))).toBeCloseTo(input, 9);
    expect(usd(model, usage(0, MILLION))).toBeCloseTo(output, 9);
  });

  it('prices Sonnet 4.5 prompt-cache reads and 5-minute writes at their own regional and global rates', () => {
    expect(usd(`global.${SONNET_45}`, usage(0, 0, { cacheReadTokens: MILLION }))).toBeCloseTo(0.3, 9);
    expect(usd(SONNET_45, usage(0, 0, { cacheReadTokens: MILLION }))).toBeCloseTo(0.33, 9);
    expect(usd(SONNET_45, usage(0, 0, { cacheWriteTokens: MILLION }))).toBeCloseTo(4.125, 9);
  });

  it('keeps the fraction of a nano-dollar: 1,000 Nova Micro cache reads cost 8,750 nano-dollars, one costs 9', () => {
    expect(
      DEFAULT_PRICE_TABLE.price(
        'amazon.nova-micro-v1:0',
        'us-east-1',
        usage(0, 0, { cacheReadTokens: 1_000 }),
        AT,
      ).costNano,
    ).toBe(8_750);
    expect(
      DEFAULT_PRICE_TABLE.price(
        'amazon.nova-micro-v1:0',
        'us-east-1',
        usage(0, 0, { cacheReadTokens: 1 }),
        AT,
      ).costNano,
    ).toBe(9);
  });
});

/** The rates a model's id form should pay at AT, by the catalog's own rule. */
const expectedNano = (model: CatalogModel, form: 'regional' | 'global', u: TokenUsage): number => {
  const period = model.periods.at(-1);
  if (period === undefined) throw new Error(model.id);
  const card = form === 'global' && period.global !== null ? period.global : period.regional;
  const r = card.rates;
  const pico =
    u.inputTokens * r.input +
    u.outputTokens * r.output +
    u.cacheReadTokens * r.cache_read +
    u.cacheWriteTokens * r.cache_write +
    (u.cacheWrite1hTokens ?? 0) * r.cache_write_1h;
  return Math.ceil(pico / 1_000);
};

const flatModels = BEDROCK_CATALOG.models.filter((m) =>
  m.periods.every((p) => p.regional.tiers.length === 0),
);

describe('id forms', () => {
  const aModel = fc.constantFrom(...flatModels);
  const aUsage = fc.record({
    inputTokens: fc.nat(100_000),
    outputTokens: fc.nat(20_000),
    cacheReadTokens: fc.nat(50_000),
    cacheWriteTokens: fc.nat(20_000),
    cacheWrite1hTokens: fc.nat(20_000),
  });

  it('prices every form of a model as its base model with that form’s regional rule', () => {
    fc.assert(
      fc.property(
        aModel,
        aUsage,
        fc.constantFrom('us', 'eu', 'apac', 'jp', 'au', 'us-gov'),
        (model, u, geo) => {
          const regional = expectedNano(model, 'regional', u);
          const forms: [string, number][] = [
            [model.id, regional],
            [`${geo}.${model.id}`, regional],
            [`arn:aws:bedrock:us-east-1::foundation-model/${model.id}`, regional],
            [`arn:aws:bedrock:us-east-1:123456789012:inference-profile/${geo}.${model.id}`, regional],
            [`global.${model.id}`, expectedNano(model, 'global', u)],
            [
              `arn:aws:bedrock:us-east-1:123456789012:inference-profile/global.${model.id}`,
              expectedNano(model, 'global', u),
            ],
          ];
          for (const [id, nano] of forms) {
            const priced = DEFAULT_PRICE_TABLE.price(id, 'us-east-1', u, AT);
            expect({ id, nano: priced.costNano, model: priced.model, estimated: priced.estimated }).toEqual({
              id,
              nano,
              model: model.id,
              estimated: false,
            });
          }
        },
      ),
    );
  });

  it('never rounds a cost down, and rounds up by less than one nano-dollar', () => {
    fc.assert(
      fc.property(aModel, aUsage, (model, u) => {
        const period = model.periods.at(-1);
        if (period === undefined) return;
        const r = period.regional.rates;
        const pico =
          u.inputTokens * r.input +
          u.outputTokens * r.output +
          u.cacheReadTokens * r.cache_read +
          u.cacheWriteTokens * r.cache_write +
          (u.cacheWrite1hTokens ?? 0) * r.cache_write_1h;
        const nano = DEFAULT_PRICE_TABLE.price(model.id, 'us-east-1', u, AT).costNano;
        expect(nano * 1_000).toBeGreaterThanOrEqual(pico);
        expect(nano * 1_000 - pico).toBeLessThan(1_000);
      }),
    );
  });

  it('adds no Tokyo uplift where the regional rate already carries the regional premium', () => {
    expect(usd('anthropic.claude-3-5-sonnet-20241022-v2:0', usage(MILLION), 'ap-northeast-1')).toBeCloseTo(
      3.3,
      9,
    );
    expect(usd(SONNET_45, usage(MILLION), 'ap-northeast-1')).toBeCloseTo(3.3, 9);
    expect(usd(`jp.${SONNET_45}`, usage(MILLION), 'ap-northeast-1')).toBeCloseTo(3.3, 9);
    expect(usd(`global.${SONNET_45}`, usage(MILLION), 'ap-northeast-1')).toBeCloseTo(3, 9);
  });

  it('prices an application inference profile as the model it is mapped to, and an unmapped one at the catalog ceiling', () => {
    const arn = 'arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/a1b2c3d4e5f6';
    const table = createPriceTable(BEDROCK_CATALOG, {
      unknownModelCeiling: 'family',
      applicationProfiles: { a1b2c3d4e5f6: `eu.${HAIKU_45}` },
    });
    expect(table.price(arn, 'eu-west-1', usage(MILLION), AT)).toEqual({
      costNano: 1_100_000_000,
      estimated: false,
      reason: null,
      model: HAIKU_45,
    });
    const unmapped = DEFAULT_PRICE_TABLE.price(arn, 'eu-west-1', usage(MILLION), AT);
    expect(unmapped).toMatchObject({ estimated: true, reason: 'unmapped_application_profile', model: arn });
    const highestInput = Math.max(
      ...BEDROCK_CATALOG.models.flatMap((m) =>
        m.periods
          .flatMap((p) => [p.regional, ...(p.global ? [p.global] : [])])
          .flatMap((c) => [c.rates.input, ...c.tiers.map((t) => t.rates.input)]),
      ),
    );
    expect(unmapped.costNano).toBe(highestInput * 1_000);
  });
});

describe('long-context tiers', () => {
  // GPT-5.6 Sol on Bedrock: at 272K prompt tokens and above, input 2x and output 1.5x (the source encodes the start as 271999).
  const SOL = 'global.openai.gpt-5.6-sol';
  it.each([
    [271_998, 4],
    [271_999, 4],
    [272_000, 8],
  ])('a request of %d prompt tokens pays $%d per million input', (prompt, rate) => {
    expect(usd(SOL, usage(prompt))).toBeCloseTo((prompt * rate) / MILLION, 6);
  });

  it('counts cache reads and writes toward the threshold, and prices every token of the request at the tier', () => {
    const u = usage(100_000, 1_000, { cacheReadTokens: 172_000 });
    expect(usd(SOL, u)).toBeCloseTo((100_000 * 8 + 1_000 * 30 + 172_000 * 0.8) / MILLION, 6);
  });
});

describe('effective dates', () => {
  // AWS cut GPT-5.6 Luna's in-region price by 80% on 2026-07-30 (regional input 1.10 -> 0.22).
  const LUNA = 'openai.gpt-5.6-luna';
  it('prices 100k input tokens by event time: 23:59:59.999 the day before at the old rate, 00:00:00.000 at the new', () => {
    expect(usd(LUNA, usage(100_000), 'us-east-1', Date.parse('2026-07-29T23:59:59.999Z'))).toBeCloseTo(
      0.11,
      9,
    );
    expect(usd(LUNA, usage(100_000), 'us-east-1', Date.parse('2026-07-30T00:00:00.000Z'))).toBeCloseTo(
      0.022,
      9,
    );
  });
});

describe('fail-safe pricing', () => {
  it('prices an unknown model of a known vendor at the highest rates of its family, marked estimated', () => {
    const priced = DEFAULT_PRICE_TABLE.price(
      'us.anthropic.claude-mystery-9-v1:0',
      'us-east-1',
      usage(MILLION, MILLION),
      AT,
    );
    expect(priced).toMatchObject({
      estimated: true,
      reason: 'unknown_model',
      model: 'anthropic.claude-mystery-9-v1:0',
    });
    // Never below a Sonnet-class call, the most common Claude on Bedrock.
    expect(priced.costNano).toBeGreaterThanOrEqual(usd(SONNET_45, usage(MILLION, MILLION)) * 1e9);
  });

  it('prices a model of an unknown vendor at the catalog ceiling, and can be told to for every unknown model', () => {
    const byCatalog = createPriceTable(BEDROCK_CATALOG, {
      unknownModelCeiling: 'catalog',
      applicationProfiles: {},
    });
    const vendorless = DEFAULT_PRICE_TABLE.price('acme.model-1', 'us-east-1', usage(MILLION), AT);
    const anthropic = byCatalog.price('anthropic.claude-mystery-9-v1:0', 'us-east-1', usage(MILLION), AT);
    expect(vendorless.costNano).toBe(anthropic.costNano);
    expect(vendorless.costNano).toBeGreaterThanOrEqual(
      DEFAULT_PRICE_TABLE.price('anthropic.claude-mystery-9-v1:0', 'us-east-1', usage(MILLION), AT).costNano,
    );
  });

  it('prices a known model in an unknown region at its highest rate in the highest-priced region', () => {
    const priced = DEFAULT_PRICE_TABLE.price(`global.${SONNET_45}`, 'xx-mars-1', usage(MILLION), AT);
    expect(priced).toMatchObject({ estimated: true, reason: 'unknown_region', model: SONNET_45 });
    // GovCloud is the region that prices Claude highest (supplement model_uplifts).
    expect(priced.costNano).toBe(Math.ceil(3.3 * 1.091 * 1e9));
  });
});
