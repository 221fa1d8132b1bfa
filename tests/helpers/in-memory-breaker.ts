import { emptyIncidentDay, type IncidentDay } from '../../functions/core/breaker/incidents';
import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import type {
  AlertMessage,
  AlertPublisher,
  BreakerStore,
  Clock,
  FlagPublisher,
  IncidentStore,
  RolePolicies,
  SpendSnapshot,
  SpendSnapshotSource,
  Workflow,
  WorkflowStarter,
} from '../../functions/core/breaker/ports';
import { type BreakerState, INITIAL_STATE } from '../../functions/core/breaker/state';

/**
 * The breaker state item and ledger in memory, with DynamoDB's transaction semantics: a commit
 * writes both or neither. `beforeCommit` lets a test slip another writer in between a task's read
 * and its write, which is how concurrent executions race on AWS.
 */
export class InMemoryBreakerStore implements BreakerStore {
  state: BreakerState = structuredClone(INITIAL_STATE);
  readonly ledger: LedgerEntry[] = [];
  beforeCommit?: () => Promise<void> | void;
  /** Errors thrown by the next calls of `load`, one per call. */
  readonly loadFailures: Error[] = [];

  async load(): Promise<BreakerState> {
    const failure = this.loadFailures.shift();
    if (failure !== undefined) throw failure;
    return structuredClone(this.state);
  }

  async commit(
    expectedVersion: number,
    next: BreakerState,
    entry: LedgerEntry,
  ): Promise<'committed' | 'conflict'> {
    const hook = this.beforeCommit;
    this.beforeCommit = undefined;
    await hook?.();
    if (this.state.version !== expectedVersion || this.has(entry.entry_id)) return 'conflict';
    this.state = structuredClone(next);
    this.ledger.push(structuredClone(entry));
    return 'committed';
  }

  async append(entry: LedgerEntry): Promise<'appended' | 'exists'> {
    if (this.has(entry.entry_id)) return 'exists';
    this.ledger.push(structuredClone(entry));
    return 'appended';
  }

  kinds(): string[] {
    return this.ledger.map((e) => e.kind);
  }

  private has(id: string): boolean {
    return this.ledger.some((e) => e.entry_id === id);
  }
}

/** SSM as a map of name -> { value, description, version }; `failures` are thrown by the next puts. */
export class InMemoryFlagPublisher implements FlagPublisher {
  readonly parameters = new Map<string, { value: string; description: string; version: number }>();
  readonly failures: Error[] = [];
  calls = 0;

  async publish(values: Readonly<Record<string, string>>, description: string): Promise<void> {
    this.calls += 1;
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    for (const [name, value] of Object.entries(values)) {
      const version = (this.parameters.get(name)?.version ?? 0) + 1;
      this.parameters.set(name, { value, description, version });
    }
  }

  value(name: string): string | undefined {
    return this.parameters.get(name)?.value;
  }
}

export class InMemoryAlertPublisher implements AlertPublisher {
  readonly published: AlertMessage[] = [];
  readonly failures: Error[] = [];

  async publish(alert: AlertMessage): Promise<string> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.published.push(alert);
    return `msg-${this.published.length}`;
  }
}

/** Step Functions' name uniqueness: a second start with a known name is `already_started`. */
export class InMemoryWorkflowStarter implements WorkflowStarter {
  readonly started: { workflow: Workflow; name: string; input: unknown }[] = [];
  readonly failures: Error[] = [];

  async start(workflow: Workflow, name: string, input: unknown): Promise<'started' | 'already_started'> {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    if (this.started.some((s) => s.workflow === workflow && s.name === name)) return 'already_started';
    this.started.push({ workflow, name, input });
    return 'started';
  }
}

/** Spend per day and 15-minute bucket, set by the test. */
export class InMemorySpendSnapshots implements SpendSnapshotSource {
  readonly days = new Map<string, { spentNano: number; quarters: Map<number, number> }>();
  sameHourHistory: number[] = [];

  set(day: string, spentNano: number, quarters: Record<number, number> = {}): this {
    this.days.set(day, {
      spentNano,
      quarters: new Map(Object.entries(quarters).map(([q, n]) => [Number(q), n])),
    });
    return this;
  }

  async snapshot(day: string): Promise<SpendSnapshot> {
    const found = this.days.get(day);
    return {
      day,
      spentNano: found?.spentNano ?? 0,
      quarters: found?.quarters ?? new Map(),
      sameHourHistory: this.sameHourHistory,
    };
  }
}

export const fixedClock = (iso: string): Clock & { set(iso: string): void; advance(ms: number): void } => {
  let now = Date.parse(iso);
  return {
    now: () => now,
    set: (next) => {
      now = Date.parse(next);
    },
    advance: (ms) => {
      now += ms;
    },
  };
};

/**
 * IAM inline role policies in memory: role -> policy name -> document. `failures` are thrown by the next
 * puts, one per call, as a throttled or failing PutRolePolicy would.
 */
export class InMemoryRolePolicies implements RolePolicies {
  readonly policies = new Map<string, Map<string, string>>();
  readonly failures: Error[] = [];
  /** Roles every put to fails with the error, as a role the breaker may not change would. */
  readonly refusing = new Map<string, Error>();
  readonly calls: string[] = [];

  async put(role: string, name: string, document: string): Promise<void> {
    this.calls.push(`put ${role}`);
    const failure = this.failures.shift() ?? this.refusing.get(role);
    if (failure !== undefined) throw failure;
    const byName = this.policies.get(role) ?? new Map<string, string>();
    byName.set(name, document);
    this.policies.set(role, byName);
  }

  async remove(role: string, name: string): Promise<'removed' | 'absent'> {
    this.calls.push(`delete ${role}`);
    return this.policies.get(role)?.delete(name) === true ? 'removed' : 'absent';
  }

  async get(role: string, name: string): Promise<string | undefined> {
    return this.policies.get(role)?.get(name);
  }

  /** The roles holding a policy of that name. */
  holding(name: string): string[] {
    return [...this.policies].filter(([, byName]) => byName.has(name)).map(([role]) => role);
  }
}

/** The incident items in memory, with the version compare-and-set of the DynamoDB adapter. */
export class InMemoryIncidentStore implements IncidentStore {
  readonly days = new Map<string, IncidentDay>();
  /** Runs once before the next save: lets a test slip another evaluator in between read and write. */
  beforeSave?: () => Promise<void> | void;

  async load(day: string): Promise<IncidentDay> {
    return structuredClone(this.days.get(day) ?? emptyIncidentDay(day));
  }

  async save(next: IncidentDay, expectedVersion: number): Promise<'saved' | 'conflict'> {
    const hook = this.beforeSave;
    this.beforeSave = undefined;
    await hook?.();
    if ((this.days.get(next.day)?.version ?? 0) !== expectedVersion) return 'conflict';
    this.days.set(next.day, structuredClone(next));
    return 'saved';
  }

  async list(): Promise<IncidentDay[]> {
    return [...this.days.values()].map((d) => structuredClone(d));
  }
}
