import { describe, expect, it } from '@jest/globals';
import { quarterLabel, startOfUtcDay, utcDay, utcHour, utcQuarter } from '../../../functions/core/time';

describe('UTC budget day', () => {
  it('puts 23:59:59.999 on one day and 00:00:00.000 on the next', () => {
    const lastMoment = Date.parse('2025-03-15T23:59:59.999Z');
    expect(utcDay(lastMoment)).toBe('2025-03-15');
    expect(utcHour(lastMoment)).toBe(23);
    expect(utcQuarter(lastMoment)).toBe(95);
    expect(utcDay(lastMoment + 1)).toBe('2025-03-16');
    expect(utcHour(lastMoment + 1)).toBe(0);
    expect(utcQuarter(lastMoment + 1)).toBe(0);
  });

  it('uses the UTC day of an event stamped with another offset', () => {
    expect(utcDay(Date.parse('2025-03-16T08:30:00+09:00'))).toBe('2025-03-15');
  });

  it('labels 15-minute buckets by their start', () => {
    expect(quarterLabel(0)).toBe('00:00');
    expect(quarterLabel(57)).toBe('14:15');
  });

  it('rejects a malformed day', () => {
    expect(() => startOfUtcDay('2025-3-15')).toThrow(RangeError);
    expect(startOfUtcDay('2025-03-15')).toBe(Date.parse('2025-03-15T00:00:00Z'));
  });

  it('rejects a day the calendar lacks, which Date.parse would roll into the next month', () => {
    for (const day of ['2025-02-29', '2025-02-30', '2025-04-31', '2025-13-01', '2025-00-10', '2025-01-00'])
      expect(() => startOfUtcDay(day)).toThrow(`not a calendar day: ${day}`);
    expect(startOfUtcDay('2024-02-29')).toBe(Date.parse('2024-02-29T00:00:00Z'));
    expect(startOfUtcDay('2025-12-31')).toBe(Date.parse('2025-12-31T00:00:00Z'));
  });
});
