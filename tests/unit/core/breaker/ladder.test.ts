import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { forecastEndOfDayNano, judgeDay, modeForSpend } from '../../../../functions/core/breaker/ladder';
import { flagsFor, MODES, severity } from '../../../../functions/core/breaker/modes';

const CAP = 5_000 * 1e9;
const usd = (dollars: number) => Math.round(dollars * 1e9);

describe('the daily budget ladder', () => {
  it.each([
    [3_499.5, 'normal'],
    [3_500, 'cache_aggressive'],
    [4_249.99, 'cache_aggressive'],
    [4_250, 'cost_saving'],
    [4_750, 'emergency'],
    [4_999.999999999, 'emergency'],
    [5_000, 'cap'],
  ])('puts $%d of a $5,000 cap at %s', (spent, mode) => {
    expect(modeForSpend(usd(spent), CAP)).toBe(mode);
  });

  it('does not escalate at 69.99% and does at 70.00%', () => {
    expect(modeForSpend(6_999, 10_000)).toBe('normal');
    expect(modeForSpend(7_000, 10_000)).toBe('cache_aggressive');
  });

  it('never lowers the mode as spend grows', () => {
    fc.assert(
      fc.property(
        fc.nat(10 * CAP),
        fc.nat(CAP),
        (spent, more) => severity(modeForSpend(spent + more, CAP)) >= severity(modeForSpend(spent, CAP)),
      ),
    );
  });
});

describe('the forecast', () => {
  it('projects the 15-minute velocity over the rest of the day', () => {
    expect(
      forecastEndOfDayNano({
        spentNano: usd(1_000),
        capNano: CAP,
        last15MinutesNano: usd(50),
        msLeftInDay: 3_600_000,
      }),
    ).toBe(usd(1_200));
  });

  it('escalates early to the first step (cache_aggressive) when the projection crosses the cap', () => {
    const runaway = {
      spentNano: usd(2_000),
      capNano: CAP,
      last15MinutesNano: usd(200),
      msLeftInDay: 5 * 3_600_000,
    };
    const calm = { ...runaway, last15MinutesNano: usd(20) };

    expect(judgeDay(runaway)).toEqual({
      byLadder: 'normal',
      forecastNano: usd(6_000),
      forecastOver: true,
      mode: 'cache_aggressive',
    });
    expect(judgeDay(runaway, undefined, 10_000, 'cost_saving')).toMatchObject({ mode: 'cost_saving' });
    expect(judgeDay(calm)).toMatchObject({ forecastOver: false, mode: 'normal' });
  });

  it('never lowers what the ladder asks for', () => {
    expect(
      judgeDay({
        spentNano: usd(4_800),
        capNano: CAP,
        last15MinutesNano: usd(200),
        msLeftInDay: 3_600_000,
      }),
    ).toMatchObject({ byLadder: 'emergency', forecastOver: true, mode: 'emergency' });
  });
});

describe('mode flags', () => {
  // DESIGN 5's table, and strict token budgets in every mode above normal: they cut only oversized calls.
  it('follow the table of DESIGN 5', () => {
    expect(MODES.map((mode) => [mode, flagsFor(mode)])).toEqual([
      [
        'normal',
        {
          degradation_active: false,
          model_tier_floor: 'none',
          suspend_scale_in: false,
          allow_listed_only: false,
          strict_token_budgets: false,
        },
      ],
      [
        'cache_aggressive',
        {
          degradation_active: false,
          model_tier_floor: 'none',
          suspend_scale_in: false,
          allow_listed_only: false,
          strict_token_budgets: true,
        },
      ],
      [
        'cost_saving',
        {
          degradation_active: false,
          model_tier_floor: 'haiku',
          suspend_scale_in: true,
          allow_listed_only: false,
          strict_token_budgets: true,
        },
      ],
      [
        'emergency',
        {
          degradation_active: true,
          model_tier_floor: 'haiku',
          suspend_scale_in: true,
          allow_listed_only: false,
          strict_token_budgets: true,
        },
      ],
      // The cap goes one step beyond emergency: no model calls except the allow-listed.
      [
        'cap',
        {
          degradation_active: true,
          model_tier_floor: 'haiku',
          suspend_scale_in: true,
          allow_listed_only: true,
          strict_token_budgets: true,
        },
      ],
    ]);
  });
});
