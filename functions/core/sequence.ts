/**
 * Kinesis sequence numbers are decimal strings of up to 129 digits: too long for a Number, and plain
 * string order is wrong when lengths differ. Comparing length first, then text, is numeric order.
 */
export const compareSequenceNumbers = (a: string, b: string): number =>
  a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);

export const isAfter = (a: string, b: string): boolean => compareSequenceNumbers(a, b) > 0;

export const lowestSequenceNumber = (sequences: readonly string[]): string | undefined =>
  sequences.length === 0
    ? undefined
    : sequences.reduce((low, s) => (compareSequenceNumbers(s, low) < 0 ? s : low));
