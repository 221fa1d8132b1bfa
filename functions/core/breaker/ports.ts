import type { HourBaseline } from '../analytics/ports';
import type { IncidentDay } from './incidents';
import type { LedgerEntry } from './ledger';
import type { BreakerState } from './state';

/** The breaker state item and the ledger, which change together. */
export interface BreakerStore {
  /** The current state; INITIAL_STATE when none was ever written. */
  load(): Promise<BreakerState>;
  /**
   * Writes the next state and its ledger entry in one transaction, only if the stored version is still
   * `expectedVersion` and the entry is new. `conflict` when either condition failed: nothing was written.
   */
  commit(expectedVersion: number, next: BreakerState, entry: LedgerEntry): Promise<'committed' | 'conflict'>;
  /** Appends an entry that changes no state; `exists` when an entry with its id is already there. */
  append(entry: LedgerEntry): Promise<'appended' | 'exists'>;
}

/** The incidents of each UTC day: one item per day in the breaker state table. */
export interface IncidentStore {
  /** The day's incidents; an empty day (version 0) when none was ever written. */
  load(day: string): Promise<IncidentDay>;
  /** Writes the day only if its stored version is still `expectedVersion`; `conflict` otherwise. */
  save(next: IncidentDay, expectedVersion: number): Promise<'saved' | 'conflict'>;
  /** Every day that has incidents, for `ccb alerts`. */
  list?(): Promise<IncidentDay[]>;
}

/** Publishes the flag values under the stage prefix; the description names the execution and reason. */
export interface FlagPublisher {
  publish(values: Readonly<Record<string, string>>, description: string): Promise<void>;
}

export interface AlertMessage {
  /** One human line, at most 100 characters (SNS subject limit). */
  subject: string;
  body: Record<string, unknown>;
  attributes: Readonly<Record<string, string>>;
}

export interface AlertPublisher {
  publish(alert: AlertMessage): Promise<string>;
}

/** Inline policies on IAM roles: PutRolePolicy, DeleteRolePolicy and GetRolePolicy. */
export interface RolePolicies {
  /** Creates or replaces the inline policy `name` on `role` (a role name, not an ARN). */
  put(role: string, name: string, document: string): Promise<void>;
  /** `absent` when the role has no inline policy of that name: lifting twice is not an error. */
  remove(role: string, name: string): Promise<'removed' | 'absent'>;
  /** The policy document as JSON text, or undefined when the role has none of that name. */
  get(role: string, name: string): Promise<string | undefined>;
}

export type Workflow = 'escalate' | 'restore' | 'override';

export interface WorkflowStarter {
  /** `already_started` when an execution of that name exists: names are idempotency keys. */
  start(workflow: Workflow, name: string, input: unknown): Promise<'started' | 'already_started'>;
}

/** Spend read back from the spend items, as the checks need it. */
export interface SpendSnapshot {
  day: string;
  spentNano: number;
  /** Cost per 15-minute bucket of the day, by bucket index 0..95. */
  quarters: ReadonlyMap<number, number>;
  /** Cost per 15-minute bucket of the same hour on earlier days (one value per bucket and day). */
  sameHourHistory: readonly number[];
  /**
   * The warehouse's average 15-minute spend at this hour (the baselines function), when one is stored
   * for this day or the day before; absent otherwise.
   */
  warehouseBaseline?: HourBaseline;
}

export interface SpendSnapshotSource {
  /** The day's spend and, for the hour `atMs` falls in, the same hour of up to `historyDays` earlier days. */
  snapshot(day: string, atMs: number, historyDays: number): Promise<SpendSnapshot>;
}

// The breaker's use cases take the one Clock port of functions/core/time.ts with their other ports.
export type { Clock } from '../time';
