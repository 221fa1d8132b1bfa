import { createNotify } from '../../functions/core/breaker/alerts';
import { createApplyTrigger } from '../../functions/core/breaker/apply-trigger';
import type { CheckConfig } from '../../functions/core/breaker/config';
import { createEvaluateBreaker } from '../../functions/core/breaker/evaluate';
import { DEFAULT_INCIDENT_CONFIG } from '../../functions/core/breaker/incidents';
import { modeForSpend } from '../../functions/core/breaker/ladder';
import { MODES, type Mode, severity } from '../../functions/core/breaker/modes';
import type { Policy } from '../../functions/core/breaker/policy';
import { createPublishFlags } from '../../functions/core/breaker/publish-flags';
import { createRestoreStep } from '../../functions/core/breaker/restore-step';
import type { Trigger } from '../../functions/core/breaker/trigger';
import type { PricedCostEvent } from '../../functions/core/events/cost-event';
import { utcDay } from '../../functions/core/time';
import {
  EventClock,
  MemoryAlertPublisher,
  MemoryBreakerStore,
  MemoryFlagPublisher,
  MemoryIncidentStore,
  QueuedWorkflowStarter,
} from './ports';
import { ReplaySpend } from './replay-spend';

/** The escalate workflow's Choice (statemachines/escalate.asl.json, WhatHappened): what goes on to which task. */
export const ESCALATE_PUBLISHES: readonly string[] = ['changed'];
export const ESCALATE_NOTIFIES: readonly string[] = ['changed', 'alert', 'disabled'];
/** The restore workflow's Choice: a step publishes, notifies and waits; an abort only notifies. */
export const RESTORE_CONTINUES = 'stepped';
export const RESTORE_NOTIFIES: readonly string[] = ['stepped', 'aborted'];

export interface Crossing {
  pct: number;
  at: number;
  day: string;
}

export interface ModeChange {
  at: number;
  mode: Mode;
}

const RUNG_OF: Record<Exclude<Mode, 'normal'>, keyof Policy['ladder_pct']> = {
  cache_aggressive: 'cache_aggressive',
  cost_saving: 'cost_saving',
  emergency: 'emergency',
  cap: 'cap',
};

/**
 * The breaker's own code run in event time, in process: the checks after each batch and on the
 * schedule, the escalate and restore workflows' tasks in the order their state machines run them, the
 * alerts their notify task would publish. Only the ports are in memory, and time is the events'.
 *
 * Cadence: a batch is what arrived since the last evaluation; it is judged when the next event falls
 * past a step boundary (then the schedule's check runs at each boundary passed, as the live one-minute
 * schedule does) and at once when an event takes the day's spend over a rung, so a crossing mid-step is
 * judged at the event that made it.
 */
export class BreakerReplay {
  readonly clock = new EventClock();
  readonly store = new MemoryBreakerStore();
  readonly flags: MemoryFlagPublisher;
  readonly alerts: MemoryAlertPublisher;
  /** Alert-only findings batch into incidents as in the live stack, so `alerts` is what FinOps would get. */
  readonly incidents = new MemoryIncidentStore();
  readonly spend: ReplaySpend;
  readonly crossings: Crossing[] = [];
  readonly modes: ModeChange[] = [];
  evaluations = 0;
  private readonly starter = new QueuedWorkflowStarter();
  private readonly evaluator;
  private readonly applyTrigger;
  private readonly publishFlags;
  private readonly notify;
  private readonly restoreStep;
  private readonly dueRestores: { at: number; name: string; input: { day: string; step: number } }[] = [];
  private batch: PricedCostEvent[] = [];
  private readonly touched = new Set<string>();
  private nextTick: number | undefined;
  private readonly ladderModeOf = new Map<string, Mode>();
  /** Spend at which the day's ladder mode would next change: modeForSpend is asked only from there. */
  private readonly nextRungNano = new Map<string, number>();
  private counted = 0;

  constructor(
    readonly policy: Policy,
    readonly config: CheckConfig,
    private readonly stepMs: number,
    stage = 'replay',
  ) {
    const { clock, store } = this;
    this.flags = new MemoryFlagPublisher(clock);
    this.alerts = new MemoryAlertPublisher(clock);
    this.spend = new ReplaySpend(config.historyDays);
    this.evaluator = createEvaluateBreaker({
      spend: this.spend,
      starter: this.starter,
      loadState: () => store.load(),
      config,
      clock,
      incidents: { store: this.incidents, config: config.incidents ?? DEFAULT_INCIDENT_CONFIG },
    });
    this.applyTrigger = createApplyTrigger({ store, clock });
    this.publishFlags = createPublishFlags({ store, publisher: this.flags });
    this.notify = createNotify({ publisher: this.alerts, stage, policy });
    this.restoreStep = createRestoreStep({
      store,
      clock,
      spend: this.spend,
      config,
      stepSeconds: policy.restore.step_seconds,
    });
  }

  /** Counts one event (in event-time order) and evaluates when its time or its spend calls for it. */
  async push(event: PricedCostEvent): Promise<void> {
    await this.advance(event.occurredAt);
    const day = utcDay(event.occurredAt);
    const spent = this.spend.add(event);
    this.batch.push(event);
    this.touched.add(event.sessionId);
    this.counted += 1;
    if (this.counted % 10_000 === 0) this.spend.forgetIdleSessions(event.occurredAt);
    let next = this.nextRungNano.get(day);
    if (next === undefined) {
      next = this.rungNano('normal');
      this.nextRungNano.set(day, next);
    }
    if (spent < next) return;
    const before = this.ladderModeOf.get(day) ?? 'normal';
    const now = modeForSpend(spent, this.config.capNano, this.config.ladder);
    if (severity(now) > severity(before)) {
      this.ladderModeOf.set(day, now);
      this.nextRungNano.set(day, this.rungNano(now));
      for (const mode of MODES.slice(severity(before) + 1, severity(now) + 1)) {
        const rung = RUNG_OF[mode as Exclude<Mode, 'normal'>];
        this.crossings.push({ pct: this.policy.ladder_pct[rung], at: event.occurredAt, day });
      }
      await this.flush();
    }
  }

  /**
   * The least spend that reaches the rung above `mode` (spent x 10000 >= cap x rung, as modeForSpend
   * has it): a cheap test per event, exact in integers.
   */
  private rungNano(mode: Mode): number {
    const above = MODES[severity(mode) + 1];
    if (above === undefined) return Number.POSITIVE_INFINITY;
    const { ladder } = this.config;
    const bp = {
      normal: 0,
      cache_aggressive: ladder.cacheAggressiveBp,
      cost_saving: ladder.costSavingBp,
      emergency: ladder.emergencyBp,
      cap: ladder.capBp,
    }[above];
    const product = BigInt(this.config.capNano) * BigInt(bp);
    return Number((product + 9_999n) / 10_000n);
  }

  /** Judges what is left and runs the schedule to the end of the last event's day. */
  async finish(endMs: number): Promise<void> {
    await this.advance(endMs);
    await this.flush();
  }

  /** The breaker's mode at an event time. */
  modeAt(atMs: number): Mode {
    let mode: Mode = 'normal';
    for (const change of this.modes) {
      if (change.at > atMs) break;
      mode = change.mode;
    }
    return mode;
  }

  /** The flag values consumers would read at an event time: the last publish at or before it. */
  flagsAt(atMs: number): Readonly<Record<string, string>> | undefined {
    let found: Readonly<Record<string, string>> | undefined;
    for (const entry of this.flags.history) {
      if (entry.at > atMs) break;
      found = entry.values;
    }
    return found;
  }

  private async advance(toMs: number): Promise<void> {
    this.nextTick ??= Math.floor(toMs / this.stepMs) * this.stepMs + this.stepMs;
    for (;;) {
      const restoreAt = this.dueRestores[0]?.at ?? Number.POSITIVE_INFINITY;
      const next = Math.min(this.nextTick, restoreAt);
      if (next > toMs) return;
      await this.flush();
      this.clock.advanceTo(next);
      if (restoreAt <= this.nextTick) {
        const due = this.dueRestores.shift();
        if (due !== undefined) await this.runRestore(due.name, due.input);
        continue;
      }
      this.evaluations += 1;
      await this.evaluator.scheduled();
      await this.runStarted();
      this.nextTick += this.stepMs;
    }
  }

  private async flush(): Promise<void> {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    const sessions = this.spend.sessionCosts(this.touched);
    this.touched.clear();
    this.clock.advanceTo(batch.reduce((latest, e) => Math.max(latest, e.occurredAt), 0));
    this.evaluations += 1;
    await this.evaluator.afterBatch(batch, sessions);
    await this.runStarted();
  }

  private async runStarted(): Promise<void> {
    for (
      let started = this.starter.queue.shift();
      started !== undefined;
      started = this.starter.queue.shift()
    ) {
      if (started.workflow === 'escalate') {
        await this.runEscalate(started.name, (started.input as { trigger: Trigger }).trigger);
      } else if (started.workflow === 'restore') {
        this.starter.forgetBefore((started.input as { day: string }).day);
        await this.runRestore(started.name, { day: (started.input as { day: string }).day, step: 0 });
      }
    }
  }

  private async runEscalate(execution: string, trigger: Trigger): Promise<void> {
    const outcome = await this.applyTrigger({ trigger, execution });
    if (ESCALATE_PUBLISHES.includes(outcome.outcome))
      await this.publishFlags({ execution, reason: trigger.summary });
    if (ESCALATE_NOTIFIES.includes(outcome.outcome)) await this.notify({ execution, trigger, outcome });
    this.noteMode();
  }

  private async runRestore(execution: string, input: { day: string; step: number }): Promise<void> {
    const report = await this.restoreStep({ input, execution });
    if (report.outcome === RESTORE_CONTINUES)
      await this.publishFlags({ execution, reason: report.trigger.summary });
    if (RESTORE_NOTIFIES.includes(report.outcome))
      await this.notify({ execution, trigger: report.trigger, outcome: report });
    if (report.outcome === RESTORE_CONTINUES) {
      this.dueRestores.push({
        at: this.clock.now() + report.wait_seconds * 1_000,
        name: execution,
        input: { day: report.day, step: report.next_step },
      });
      this.dueRestores.sort((a, b) => a.at - b.at);
    }
    this.noteMode();
  }

  private noteMode(): void {
    const mode = this.store.state.mode;
    if ((this.modes.at(-1)?.mode ?? 'normal') !== mode) this.modes.push({ at: this.clock.now(), mode });
  }
}
