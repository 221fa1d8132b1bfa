import { emptyIncidentDay, type IncidentDay } from '../../functions/core/breaker/incidents';
import type { LedgerEntry } from '../../functions/core/breaker/ledger';
import type {
  AlertMessage,
  AlertPublisher,
  BreakerStore,
  Clock,
  FlagPublisher,
  IncidentStore,
  Workflow,
  WorkflowStarter,
} from '../../functions/core/breaker/ports';
import { type BreakerState, INITIAL_STATE } from '../../functions/core/breaker/state';

/**
 * The breaker's ports in memory for the policy lab: one process, one writer at a time, so the state
 * item and its ledger change together as DynamoDB's transaction makes them.
 */
export class MemoryBreakerStore implements BreakerStore {
  state: BreakerState = structuredClone(INITIAL_STATE);
  readonly ledger: LedgerEntry[] = [];
  private readonly ids = new Set<string>();

  async load(): Promise<BreakerState> {
    return structuredClone(this.state);
  }

  async commit(expectedVersion: number, next: BreakerState, entry: LedgerEntry) {
    if (this.state.version !== expectedVersion || this.ids.has(entry.entry_id)) return 'conflict' as const;
    this.state = structuredClone(next);
    this.add(entry);
    return 'committed' as const;
  }

  async append(entry: LedgerEntry) {
    if (this.ids.has(entry.entry_id)) return 'exists' as const;
    this.add(entry);
    return 'appended' as const;
  }

  private add(entry: LedgerEntry): void {
    this.ids.add(entry.entry_id);
    this.ledger.push(structuredClone(entry));
  }
}

/** SSM as the last values published, with the event time of each publish (what consumers would read). */
export class MemoryFlagPublisher implements FlagPublisher {
  readonly history: { at: number; values: Readonly<Record<string, string>> }[] = [];

  constructor(private readonly clock: Clock) {}

  async publish(values: Readonly<Record<string, string>>): Promise<void> {
    this.history.push({ at: this.clock.now(), values: { ...values } });
  }
}

/** SNS as the list of alerts it would deliver, each with the event time it was sent at. */
export class MemoryAlertPublisher implements AlertPublisher {
  readonly sent: { at: number; alert: AlertMessage }[] = [];

  constructor(private readonly clock: Clock) {}

  async publish(alert: AlertMessage): Promise<string> {
    this.sent.push({ at: this.clock.now(), alert });
    return `replay-${this.sent.length}`;
  }
}

export interface StartedWorkflow {
  workflow: Workflow;
  name: string;
  input: unknown;
}

/**
 * Step Functions' name uniqueness, with the started executions queued for the replay to run at once:
 * in event time a workflow's tasks take no time. Names are kept per budget day and forgotten after it,
 * so memory stays flat over a month (names embed their day; a finished day's names never come again).
 */
export class QueuedWorkflowStarter implements WorkflowStarter {
  readonly queue: StartedWorkflow[] = [];
  private readonly names = new Set<string>();

  async start(workflow: Workflow, name: string, input: unknown): Promise<'started' | 'already_started'> {
    const key = `${workflow}|${name}`;
    if (this.names.has(key)) return 'already_started';
    this.names.add(key);
    this.queue.push({ workflow, name, input });
    return 'started';
  }

  /** Forgets names of days before `day`. */
  forgetBefore(day: string): void {
    for (const key of this.names) {
      const found = /(\d{4}-\d{2}-\d{2})/.exec(key)?.[1];
      if (found !== undefined && found < day) this.names.delete(key);
    }
  }
}

/** Event time: the replay moves it forward as it goes, never back. */
export class EventClock implements Clock {
  private at = 0;

  now(): number {
    return this.at;
  }

  advanceTo(ms: number): void {
    if (ms > this.at) this.at = ms;
  }
}

/** The incident items in memory: one process, so the version check is all the concurrency there is. */
export class MemoryIncidentStore implements IncidentStore {
  private readonly days = new Map<string, IncidentDay>();

  async load(day: string): Promise<IncidentDay> {
    return structuredClone(this.days.get(day) ?? emptyIncidentDay(day));
  }

  async save(next: IncidentDay, expectedVersion: number): Promise<'saved' | 'conflict'> {
    if ((this.days.get(next.day)?.version ?? 0) !== expectedVersion) return 'conflict';
    this.days.set(next.day, structuredClone(next));
    return 'saved';
  }

  async list(): Promise<IncidentDay[]> {
    return [...this.days.values()].map((day) => structuredClone(day));
  }
}
