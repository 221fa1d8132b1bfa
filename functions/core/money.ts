/**
 * Money is kept as integer nano-dollars (1 USD = 1e9). Every Bedrock per-token price is a whole number
 * of nano-dollars, so sums stay exact; floats would drift when millions of small costs are added.
 */
export const NANO_PER_USD = 1_000_000_000;

/** Converts a producer-reported float in USD; rounding is acceptable because the value is only compared. */
export const usdToNano = (usd: number): number => Math.round(usd * NANO_PER_USD);

/** Formats nano-dollars as a USD string without passing through a float sum. */
export const formatUsd = (nano: number, fractionDigits = 2): string => {
  const sign = nano < 0 ? '-' : '';
  const abs = Math.abs(nano);
  const whole = Math.floor(abs / NANO_PER_USD);
  const fraction = String(abs % NANO_PER_USD)
    .padStart(9, '0')
    .slice(0, fractionDigits);
  return fractionDigits > 0 ? `${sign}${whole}.${fraction}` : `${sign}${whole}`;
};

/** For JSON output; exact up to 2^53 nano-dollars (about $9M), far above any daily spend. */
export const nanoToUsd = (nano: number): number => nano / NANO_PER_USD;
