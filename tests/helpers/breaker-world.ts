import { createNotify, type NotifyInput } from '../../functions/core/breaker/alerts';
import { type ApplyTriggerInput, createApplyTrigger } from '../../functions/core/breaker/apply-trigger';
import { createEnforceCap, type EnforceCapInput } from '../../functions/core/breaker/cap-enforcement';
import { createOverride } from '../../functions/core/breaker/override';
import { defaultPolicy } from '../../functions/core/breaker/policy';
import { createPublishFlags } from '../../functions/core/breaker/publish-flags';
import { createRecordEntry, type RecordInput } from '../../functions/core/breaker/record-entry';
import { createRestoreStep, type RestoreStepInput } from '../../functions/core/breaker/restore-step';
import { usdToNano } from '../../functions/core/money';
import { defaultCheckConfig } from './check-config';
import {
  fixedClock,
  InMemoryAlertPublisher,
  InMemoryBreakerStore,
  InMemoryFlagPublisher,
  InMemoryRolePolicies,
  InMemorySpendSnapshots,
} from './in-memory-breaker';

/** The stage of the world's alerts and cap policies, and of the state machines the tests run. */
export const STAGE = 'test';

type TaskFunction = (input: unknown) => Promise<unknown>;

/** SSM with a history of every successful PutParameter batch, to see what was published in between. */
export class RecordingFlagPublisher extends InMemoryFlagPublisher {
  readonly history: { values: Record<string, string>; description: string }[] = [];

  override async publish(values: Readonly<Record<string, string>>, description: string): Promise<void> {
    await super.publish(values, description);
    this.history.push({ values: { ...values }, description });
  }
}

export interface BreakerWorld {
  store: InMemoryBreakerStore;
  flags: RecordingFlagPublisher;
  alerts: InMemoryAlertPublisher;
  spend: InMemorySpendSnapshots;
  /** IAM inline policies of the roles the cap denies (capEnforcementRoles). */
  iam: InMemoryRolePolicies;
  clock: ReturnType<typeof fixedClock>;
  capNano: number;
  /** Each task function by the name its placeholder gives it, wired as functions/breaker-*.ts wire theirs. */
  functions: Record<string, TaskFunction>;
}

export interface WorldOptions {
  now: string;
  dailyBudgetUsd?: number;
  /** A store with injected behaviour; a fresh in-memory one by default. */
  store?: InMemoryBreakerStore;
  /** The stage's capEnforcementRoles; none by default, as serverless.yml has it. */
  capEnforcementRoles?: string[];
}

/**
 * The breaker's use cases on in-memory ports: the same factories the Lambda tasks call, with the fakes
 * where the handlers pass DynamoDB, SSM and SNS adapters.
 */
export const breakerWorld = ({
  now,
  dailyBudgetUsd = 1_000,
  store = new InMemoryBreakerStore(),
  capEnforcementRoles = [],
}: WorldOptions) => {
  const iam = new InMemoryRolePolicies();
  const flags = new RecordingFlagPublisher();
  const alerts = new InMemoryAlertPublisher();
  const spend = new InMemorySpendSnapshots();
  const clock = fixedClock(now);
  const capNano = usdToNano(dailyBudgetUsd);

  const applyTrigger = createApplyTrigger({ store, clock });
  const publishFlags = createPublishFlags({ store, publisher: flags });
  const notify = createNotify({ publisher: alerts, stage: STAGE, policy: defaultPolicy(dailyBudgetUsd) });
  const recordEntry = createRecordEntry({ store, clock });
  const override = createOverride({ store, clock });
  const restoreStep = createRestoreStep({
    store,
    clock,
    spend,
    config: defaultCheckConfig(capNano, {}),
    stepSeconds: 900,
  });
  const enforceCap = createEnforceCap({
    store,
    policies: iam,
    roles: capEnforcementRoles,
    stage: STAGE,
    clock,
  });

  type OverrideTaskInput =
    | { action: 'apply'; request: unknown; execution: string }
    | { action: 'revert'; execution: string };

  // The events are what the ASL hands the task; the casts stand where the handlers declare their input.
  const functions: Record<string, TaskFunction> = {
    BreakerApply: (input) => applyTrigger(input as ApplyTriggerInput),
    BreakerPublishFlags: (input) => publishFlags(input as { execution: string; reason: string }),
    BreakerNotify: (input) => notify(input as NotifyInput),
    BreakerRecord: (input) => recordEntry(input as RecordInput),
    BreakerOverride: (input) => {
      const task = input as OverrideTaskInput;
      return task.action === 'apply'
        ? override.apply(task.request, task.execution)
        : override.revert(task.execution);
    },
    BreakerRestoreStep: (input) => restoreStep(input as RestoreStepInput),
    BreakerEnforceCap: (input) => enforceCap(input as EnforceCapInput),
  };
  return { store, flags, alerts, spend, iam, clock, capNano, functions } satisfies BreakerWorld;
};
