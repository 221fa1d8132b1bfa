/** The cost event producer library: what producer teams import. */

export type { CostEventV1, CostEventV2, Language, TokenUsage } from './events';
export { type AggregationOptions, aggregateEvents, type PackOptions, packEvents } from './pack';
export { HAIKU_MODEL_ID, PRODUCER_PRICE_TABLE, reportedCostUsd, SONNET_MODEL_ID } from './pricing';
export {
  type CostEventProducer,
  type CostEventProducerOptions,
  createCostEventProducer,
  type KinesisPort,
  type Ordering,
  ProducerCallbackError,
  ProducerConfigError,
  type ProducerStats,
  type RejectedEvent,
} from './producer';
export {
  type CostEventInput,
  DEFAULT_LIMITS,
  isPackedRecord,
  MAX_PARTITION_KEY_LENGTH,
  MiB,
  type PackedRecord,
  partitionKeyOf,
  REJECT_RECORD_TOO_LARGE,
  REJECT_UNSERIALISABLE,
  type RecordLimits,
} from './records';
export { fullJitterDelay, isRetryableRecordError, isRetryableRequestError } from './retry';
export {
  type InvocationFields,
  type TrackInvocationOptions,
  trackInvocation,
  type UsageRecorder,
} from './track-invocation';
