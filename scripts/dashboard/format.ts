import { formatUsd } from '../../functions/core/money';

/** An amount as the API sends it: exact nano-dollars for charts and arithmetic, the text for people. */
export interface Money {
  nano: number;
  usd: string;
}

/**
 * `$1,234.56`: the cents formatUsd gives (the leading digits of what `ccb spend` prints, cut, never
 * rounded), with the dollars grouped in thousands.
 */
export const displayUsd = (nano: number): string => {
  const [whole = '0', cents = '00'] = formatUsd(nano, 2).split('.');
  const negative = whole.startsWith('-');
  const digits = (negative ? whole.slice(1) : whole).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${negative ? '-' : ''}$${digits}.${cents}`;
};

export const money = (nano: number): Money => ({ nano, usd: displayUsd(nano) });
