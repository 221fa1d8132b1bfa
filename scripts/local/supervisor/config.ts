import type { SpendSource } from '../../../functions/core/ingest/split-batch';
import type { EventSourceMappingSettings } from '../kinesis-event-source';

/** The check function the supervisor's timer invokes, as EventBridge's `rate(1 minute)` does on AWS. */
export const DEFAULT_CHECK_MODULE = 'functions/check.ts';
/** Runs on the check's timer too: the every-minute republish of flags that drifted from the breaker state. */
export const RECONCILE_FLAGS_MODULE = 'functions/reconcile-flags.ts';
export const DEFAULT_CHECK_INTERVAL_MS = 60_000;
/** The archive: a second consumer of the stream with a mapping of its own, as on AWS. */
export const DEFAULT_ARCHIVE_MODULE = 'functions/archive.ts';

/**
 * The local stack's settings: what `ccb local up` hands the supervisor. The defaults named "`up`:" are
 * filled in by startStack (scripts/local/stack.ts), which takes these same fields as its options.
 */
export interface SupervisorConfig {
  /** `up`: env CCB_HOME, else .ccb (stackHome). */
  home: string;
  /** `up`: local. */
  stage: string;
  /** Shards of a new stream; an existing stream keeps its own count. `up`: 4. */
  shards: number;
  /**
   * Exports `handler(event, context)`; relative to the repository root unless absolute.
   * `up`: env CCB_HANDLER_MODULE, else functions/aggregate.ts.
   */
  handlerModule: string;
  mapping: Partial<EventSourceMappingSettings>;
  idlePollMs?: number;
  /** kinesis-local's PERSIST_INTERVAL, e.g. `1s`. `up`: env CCB_KINESIS_PERSIST_INTERVAL, else 5s. */
  kinesisPersistInterval?: string;
  /** Where the Step Functions stand-in finds `*.asl.json` and the task modules; default statemachines/, functions/. */
  stateMachinesDir?: string;
  functionsDir?: string;
  /** Multiplies every Wait state's duration; default 1. `up`: env CCB_SFN_WAIT_SCALE. */
  sfnWaitScale?: number;
  /** One fixed interval for every Retry; default the ASL's own. `up`: env CCB_SFN_RETRY_INTERVAL_MS. */
  sfnRetryIntervalMs?: number;
  /**
   * The scheduled check's module, relative to the repository root unless absolute; default
   * functions/check.ts (the timer stays off while it is missing).
   */
  checkModule?: string;
  /** Period of the check timer; 0 turns it off. Default 60 s. `up`: env CCB_CHECK_INTERVAL_SECONDS x 1000. */
  checkIntervalMs?: number;
  /**
   * The archive consumer's module, relative to the repository root unless absolute; default
   * functions/archive.ts, '' for none (it is also off while the module is missing). `up`: env CCB_ARCHIVE_MODULE.
   */
  archiveModule?: string;
  /**
   * The archive mapping (its own checkpoints are under `<home>/consumers/`); by default the aggregate's
   * batch size and window, retried until it succeeds.
   */
  archiveMapping?: Partial<EventSourceMappingSettings>;
  /** What counts as spend (serverless.yml's spendSource). `up`: --spend-source, else serverless.yml's default. */
  spendSource?: SpendSource;
}
