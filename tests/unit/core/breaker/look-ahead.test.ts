import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { LookAheadConfig } from '../../../../functions/core/breaker/config';
import {
  type LookAheadInput,
  lookAheadMode,
  lookAheadTrigger,
} from '../../../../functions/core/breaker/look-ahead';
import { MODES, severity } from '../../../../functions/core/breaker/modes';

const CAP = 100_000_000_000; // $100
const MINUTE = 60_000;
const DAY_START = Date.parse('2025-03-15T00:00:00.000Z');
const CONFIG: LookAheadConfig = { settleMs: 5 * MINUTE, overBp: 10_000, capLeadMs: 10 * MINUTE };

/** At 15:00 with nine hours left, escalated at 14:30: the whole window since has passed the settle time. */
const at = (overrides: Partial<LookAheadInput> = {}): LookAheadInput => ({
  day: '2025-03-15',
  atMs: DAY_START + 15 * 60 * MINUTE,
  spentNano: 40_000_000_000,
  capNano: CAP,
  last15MinutesNano: 2_000_000_000, // $8/h: $40 + 9 h x $8 = $112, over the cap
  msLeftInDay: 9 * 60 * MINUTE,
  currentMode: 'cost_saving',
  modeSinceMs: DAY_START + 14 * 60 * MINUTE + 30 * MINUTE,
  ...overrides,
});

describe('the look-ahead', () => {
  it('escalates cost_saving to emergency when the pace since still forecasts the day over the cap', () => {
    const trigger = lookAheadTrigger(at(), CONFIG);

    expect(trigger).toMatchObject({
      id: 'lookahead-2025-03-15-emergency',
      check: 'look_ahead',
      to_mode: 'emergency',
      severity: 'critical',
      value: 112,
      threshold: 100,
    });
    expect(trigger?.summary).toContain('cost_saving since 14:30 UTC has not slowed spend enough');
  });

  it('waits for the settle time and a whole 15-minute window after the escalation', () => {
    const since = at().atMs - CONFIG.settleMs - 15 * MINUTE;

    expect(lookAheadMode(at({ modeSinceMs: since }), CONFIG)).toBe('emergency');
    expect(lookAheadMode(at({ modeSinceMs: since + 1 }), CONFIG)).toBeUndefined();
  });

  it('leaves a mode alone whose pace brings the day in under the cap', () => {
    // $40 + 9 h x $6.40 = $97.60
    expect(lookAheadMode(at({ last15MinutesNano: 1_600_000_000 }), CONFIG)).toBeUndefined();
  });

  it('takes cap, which refuses calls, only once the cap is closer than the lead at that pace', () => {
    const emergency = at({ currentMode: 'emergency' });
    // $8/h: 10 minutes are $1.33, so the cap is within the lead from $98.67 on.
    expect(lookAheadMode({ ...emergency, spentNano: 98_600_000_000 }, CONFIG)).toBeUndefined();
    expect(lookAheadMode({ ...emergency, spentNano: 98_700_000_000 }, CONFIG)).toBe('cap');
    expect(lookAheadTrigger({ ...emergency, spentNano: 98_700_000_000 }, CONFIG)?.summary).toContain(
      '98.70 reaches the 100.00 cap within 10 minutes',
    );
  });

  it('leaves the modes below cost_saving to the forecast, and an unknown start to the rungs', () => {
    expect(lookAheadMode(at({ currentMode: 'normal' }), CONFIG)).toBeUndefined();
    expect(lookAheadMode(at({ currentMode: 'cache_aggressive' }), CONFIG)).toBeUndefined();
    expect(lookAheadMode(at({ modeSinceMs: undefined }), CONFIG)).toBeUndefined();
    expect(lookAheadMode(at({ currentMode: 'cap' }), CONFIG)).toBeUndefined();
  });

  it('never steps down and never skips a mode, whatever the spend and the pace', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MODES),
        fc.integer({ min: 0, max: 2 * CAP }),
        fc.integer({ min: 0, max: CAP }),
        fc.integer({ min: 0, max: 24 * 60 * MINUTE }),
        fc.integer({ min: 0, max: 24 * 60 * MINUTE }),
        (currentMode, spentNano, last15MinutesNano, elapsed, sinceAgo) => {
          const atMs = DAY_START + elapsed;
          const next = lookAheadMode(
            {
              ...at(),
              currentMode,
              spentNano,
              last15MinutesNano,
              atMs,
              msLeftInDay: 24 * 60 * MINUTE - elapsed,
              modeSinceMs: atMs - sinceAgo,
            },
            CONFIG,
          );
          return next === undefined || severity(next) === severity(currentMode) + 1;
        },
      ),
    );
  });
});
