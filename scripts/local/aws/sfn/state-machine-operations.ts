import { AwsServiceError, requiredString } from '../protocol';
import type { StateMachineRunner } from './runner';
import { DefinitionError, type LoadedStateMachine } from './state-machine-model';

/** The state machine of an ARN, or the error Step Functions answers when it has none that runs. */
export const machineFor = async (runner: StateMachineRunner, arn: string): Promise<LoadedStateMachine> => {
  const machine = (await runner.machines()).get(arn);
  if (machine === undefined)
    throw new AwsServiceError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
  if (machine instanceof DefinitionError) throw new AwsServiceError('InvalidDefinition', machine.message);
  return machine;
};

/** ListStateMachines and DescribeStateMachine over the definition files. */
export const stateMachineOperations = (deps: { runner: StateMachineRunner; accountId: string }) => ({
  ListStateMachines: async () => ({
    stateMachines: [...(await deps.runner.machines()).values()].flatMap((machine) =>
      machine instanceof DefinitionError
        ? []
        : [{ stateMachineArn: machine.arn, name: machine.name, type: 'STANDARD', creationDate: 0 }],
    ),
  }),
  DescribeStateMachine: async (body: Record<string, unknown>) => {
    const machine = await machineFor(deps.runner, requiredString(body, 'stateMachineArn'));
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: machine.definitionText,
      roleArn: `arn:aws:iam::${deps.accountId}:role/${machine.name}-role`,
      type: 'STANDARD',
      creationDate: 0,
    };
  },
});
