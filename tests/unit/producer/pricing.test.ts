import fc from 'fast-check';
import { HAIKU_MODEL_ID, reportedCostUsd, SONNET_MODEL_ID } from '../../../producer';

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0) => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
});

const AT = Date.parse('2025-03-15T12:00:00.000Z');

describe('reportedCostUsd', () => {
  it('prices the seed 001 A1 recommendation call on both models', () => {
    expect(reportedCostUsd(SONNET_MODEL_ID, usage(800, 400), AT)).toBe(0.0084);
    expect(reportedCostUsd(HAIKU_MODEL_ID, usage(800, 400), AT)).toBe(0.0007);
  });

  it('prices cache reads at 0.1x and cache writes at 1.25x the input price', () => {
    expect(reportedCostUsd(SONNET_MODEL_ID, usage(0, 0, 1_000_000, 0), AT)).toBe(0.3);
    expect(reportedCostUsd(SONNET_MODEL_ID, usage(0, 0, 0, 1_000_000), AT)).toBe(3.75);
  });

  it("prices each model's cache classes from the shared table, not a fixed multiple", () => {
    expect(reportedCostUsd(HAIKU_MODEL_ID, usage(0, 0, 1_000_000, 0), AT)).toBe(0.03);
    expect(reportedCostUsd(HAIKU_MODEL_ID, usage(0, 0, 0, 1_000_000), AT)).toBe(0.3);
    expect(reportedCostUsd(SONNET_MODEL_ID, { ...usage(0, 0), cacheWrite1hTokens: 1_000_000 }, AT)).toBe(6);
  });

  it('applies the region multiplier and reports nothing for a region or model it does not know', () => {
    expect(reportedCostUsd(SONNET_MODEL_ID, usage(1_000_000, 0), AT, 'ap-northeast-1')).toBe(3.3);
    expect(reportedCostUsd(SONNET_MODEL_ID, usage(1_000_000, 0), AT, 'mars-north-1')).toBeUndefined();
    expect(reportedCostUsd('vendorx.unheard-of-v1:0', usage(1, 1), AT)).toBeUndefined();
  });

  it('knows cross-region inference profile ids', () => {
    expect(reportedCostUsd(`us.${HAIKU_MODEL_ID}`, usage(1_000_000, 0), AT)).toBe(0.25);
  });

  it('is additive in its token components', () => {
    fc.assert(
      fc.property(
        fc.nat(200_000),
        fc.nat(20_000),
        fc.nat(50_000),
        fc.nat(50_000),
        (input, output, read, write) => {
          const whole = reportedCostUsd(SONNET_MODEL_ID, usage(input, output, read, write), AT) ?? Number.NaN;
          const parts = [usage(input, 0), usage(0, output), usage(0, 0, read), usage(0, 0, 0, write)]
            .map((part) => reportedCostUsd(SONNET_MODEL_ID, part, AT) ?? Number.NaN)
            .reduce((sum, cost) => sum + cost, 0);
          expect(whole).toBeCloseTo(parts, 9);
        },
      ),
    );
  });
});
