import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { formatUsd } from '../../../functions/core/money';
import { displayUsd } from '../../../scripts/dashboard/format';

describe('displayUsd', () => {
  it.each([
    [0, '$0.00'],
    [9_999_999, '$0.00'],
    [10_000_000, '$0.01'],
    [96_926_034_100, '$96.92'],
    [1_234_567_890_000, '$1,234.56'],
    [1_000_000_000_000_000, '$1,000,000.00'],
    [-1_234_560_000_000, '-$1,234.56'],
  ])('shows %d nano-dollars as %s', (nano, shown) => {
    expect(displayUsd(nano)).toBe(shown);
  });

  it('shows the same cents as ccb spend prints, with the dollars grouped', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), (nano) => {
        const shown = displayUsd(nano);
        expect(shown).toMatch(/^\$\d{1,3}(,\d{3})*\.\d{2}$/);
        // ccb spend prints four decimals; the page shows the first two of them.
        expect(shown.replace(/[$,]/g, '')).toBe(formatUsd(nano, 4).slice(0, -2));
      }),
    );
  });
});
