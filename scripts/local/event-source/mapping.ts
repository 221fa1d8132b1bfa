/** The event source mapping settings, named as in CreateEventSourceMapping. */
export interface EventSourceMappingSettings {
  BatchSize: number;
  MaximumBatchingWindowInSeconds: number;
  MaximumRetryAttempts: number;
  MaximumRecordAgeInSeconds: number;
  BisectBatchOnFunctionError: boolean;
  ReportBatchItemFailures: boolean;
}

/** Local defaults: larger batches and a short window, so the emulator-bound pipeline folds big batches. */
export const DEFAULT_MAPPING: EventSourceMappingSettings = {
  BatchSize: 1000,
  MaximumBatchingWindowInSeconds: 1,
  MaximumRetryAttempts: 3,
  MaximumRecordAgeInSeconds: -1,
  BisectBatchOnFunctionError: true,
  ReportBatchItemFailures: true,
};

/** Throws a RangeError naming every setting outside the range CreateEventSourceMapping accepts. */
export const validateMapping = (mapping: EventSourceMappingSettings): void => {
  const problems: string[] = [];
  if (!Number.isInteger(mapping.BatchSize) || mapping.BatchSize < 1 || mapping.BatchSize > 10_000) {
    problems.push('BatchSize must be an integer from 1 to 10000');
  }
  const window = mapping.MaximumBatchingWindowInSeconds;
  if (!Number.isFinite(window) || window < 0 || window > 300) {
    problems.push('MaximumBatchingWindowInSeconds must be from 0 to 300');
  }
  const retries = mapping.MaximumRetryAttempts;
  if (!Number.isInteger(retries) || retries < -1 || retries > 10_000) {
    problems.push('MaximumRetryAttempts must be an integer from -1 to 10000');
  }
  const age = mapping.MaximumRecordAgeInSeconds;
  if (!Number.isInteger(age) || (age !== -1 && (age < 60 || age > 604_800))) {
    problems.push('MaximumRecordAgeInSeconds must be -1 or an integer from 60 to 604800');
  }
  if (problems.length > 0) throw new RangeError(`invalid event source mapping: ${problems.join('; ')}`);
};
