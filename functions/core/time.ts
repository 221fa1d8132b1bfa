/**
 * Where the domain gets the time: passed in, never read from the wall. The functions pass the system
 * clock (functions/shared/clock.ts); the tests, the lab and the replays pass clocks they move.
 */
export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

export const MS_PER_DAY = 86_400_000;
const MS_PER_HOUR = 3_600_000;
/** One of the 96 buckets the day's velocity is kept in. */
export const MS_PER_QUARTER = 900_000;

const dayNames = new Map<number, string>();

/** The UTC calendar day of an instant: the budget day. 23:59:59.999 and 00:00:00.000 fall on different days. */
export const utcDay = (epochMs: number): string => {
  const dayIndex = Math.floor(epochMs / MS_PER_DAY);
  let name = dayNames.get(dayIndex);
  if (name === undefined) {
    name = new Date(dayIndex * MS_PER_DAY).toISOString().slice(0, 10);
    dayNames.set(dayIndex, name);
  }
  return name;
};

export const utcHour = (epochMs: number): number => Math.floor((epochMs % MS_PER_DAY) / MS_PER_HOUR);

/** Index of the 15-minute bucket within the UTC day, 0..95. */
export const utcQuarter = (epochMs: number): number => Math.floor((epochMs % MS_PER_DAY) / MS_PER_QUARTER);

/** "HH:MM" of the start of a 15-minute bucket. */
export const quarterLabel = (quarter: number): string =>
  `${String(Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;

/**
 * Epoch ms of 00:00:00.000 UTC of a YYYY-MM-DD day. A date the calendar lacks (2025-02-30) is refused:
 * Date.parse rolls some into the next month, and a report would then read another day than asked.
 */
export const startOfUtcDay = (day: string): number => {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new RangeError(`not a UTC day (YYYY-MM-DD): ${day}`);
  const ms = Date.parse(`${day}T00:00:00.000Z`);
  if (Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day)
    throw new RangeError(`not a calendar day: ${day}`);
  return ms;
};
