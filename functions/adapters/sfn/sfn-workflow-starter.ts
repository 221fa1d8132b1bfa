import { ExecutionAlreadyExists, type SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { Workflow, WorkflowStarter } from '../../core/breaker/ports';

/**
 * Starts a state machine execution whose name is the trigger's idempotency key. A name that exists
 * (with any input) means the trigger was handed over before: that is success, not an error.
 */
export class SfnWorkflowStarter implements WorkflowStarter {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArns: Readonly<Partial<Record<Workflow, string>>>,
  ) {}

  async start(workflow: Workflow, name: string, input: unknown): Promise<'started' | 'already_started'> {
    const arn = this.stateMachineArns[workflow];
    if (arn === undefined) throw new Error(`no state machine configured for ${workflow}`);
    try {
      await this.client.send(
        new StartExecutionCommand({ stateMachineArn: arn, name, input: JSON.stringify(input) }),
      );
      return 'started';
    } catch (error) {
      if (error instanceof ExecutionAlreadyExists) return 'already_started';
      throw error;
    }
  }
}
