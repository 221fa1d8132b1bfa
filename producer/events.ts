/**
 * The cost event shapes this library emits, as TypeScript types. The JSON Schemas under schemas/
 * are the contract and the consumer validates against them; these types only help producers
 * written in TypeScript build the right fields.
 */

import type {
  CostEventV1 as ContractV1,
  CostEventV2 as ContractV2,
} from '../functions/core/events/cost-event';

export type { Language } from '../functions/core/events/cost-event';

/** v1: the orchestrator's legacy per-request log line, every field set. It has no version field. */
export type CostEventV1 = Required<ContractV1>;

/** v2 as this library emits it: the contract's optional fields it always sets are required here. */
export type CostEventV2 = ContractV2 &
  Required<
    Pick<
      ContractV2,
      'cache_read_tokens' | 'cache_write_tokens' | 'cache_hit' | 'latency_ms' | 'price_table' | 'producer'
    >
  >;

export type { TokenUsage } from '../functions/core/pricing/price-table';
