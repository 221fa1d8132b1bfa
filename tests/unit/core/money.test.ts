import { describe, expect, it } from '@jest/globals';
import { formatUsd, nanoToUsd, usdToNano } from '../../../functions/core/money';

describe('money in nano-dollars', () => {
  it('formats without floating-point drift', () => {
    expect(formatUsd(2_034_775_000_000)).toBe('2034.77');
    expect(formatUsd(8_400_000, 4)).toBe('0.0084');
    expect(formatUsd(-1_500_000_000, 0)).toBe('-1');
  });

  it('converts producer floats to whole nano-dollars and back', () => {
    expect(usdToNano(0.009921)).toBe(9_921_000);
    expect(nanoToUsd(9_921_000)).toBeCloseTo(0.009921, 12);
  });
});
