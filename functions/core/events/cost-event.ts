import type { EstimateReason } from '../pricing/price-table';
import type { CostEventV2 } from './cost-event.v2.generated';

// The wire shapes are generated from schemas/cost-event.v*.json (npm run build:validators).
export type { CostEventV1 } from './cost-event.v1.generated';
export type { CostEventV2 } from './cost-event.v2.generated';

export type Component = CostEventV2['component'];
export type Language = CostEventV2['language'];

/**
 * A v2 event after upcasting, with defaults filled in. `language` is "unknown" for upcast v1 events,
 * which never said; inventing one would skew the per-language split.
 */
export interface CostEvent {
  schemaVersion: string;
  eventId: string;
  occurredAt: number;
  requestId: string;
  sessionId: string;
  intent: string;
  modelId: string;
  /** `unattributed` for an invocation log whose metadata does not name one. */
  component: Component | 'unattributed';
  language: Language | 'unknown' | 'unattributed';
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  cacheWrite1hTokens: number;
  cacheHit: boolean;
  region: string;
  reportedCostNano: number | null;
  producer: string | null;
  /** The IAM role (or user) that made the call; only invocation logs know it. */
  principal?: string;
}

/** A cost event with its server-side price. */
export interface PricedCostEvent extends CostEvent {
  costNano: number;
  priceTable: string;
  /** Priced at a ceiling (unknown model, region or application profile): an upper bound, flagged. */
  estimated: boolean;
  estimateReason: EstimateReason | null;
  /** Optional fields of a newer 2.x minor this consumer dropped before counting the event. */
  droppedFields: number;
}
