import type { CountedHour, ProviderDatum } from './reconcile';

/** What the spend table counted for a UTC day, per hour and base model. */
export interface CountedTokensSource {
  hourly(day: string): Promise<CountedHour[]>;
}

/** What the provider metered for a UTC day: hourly sums per ModelId and token class. */
export interface ProviderMetricsSource {
  hourly(day: string): Promise<ProviderDatum[]>;
}
