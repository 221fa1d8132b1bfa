import { randomUUID } from 'node:crypto';
import type { Logger } from '../../log';
import { AwsServiceError, epochSeconds, optionalString, requiredString } from '../protocol';
import type { ExecutionLifecycle } from './execution-lifecycle';
import type { ExecutionRecord, ExecutionStore } from './execution-store';
import type { StateMachineRunner } from './runner';
import { machineFor } from './state-machine-operations';

const MAX_INPUT_BYTES = 256 * 1024;
// Whitespace, brackets, wildcards and the special characters Step Functions rejects in a name.
const INVALID_NAME_CHARACTER = /[\s<>{}[\]?*"#%\\^|~`$&,;:/]/u;
const isControlCharacter = (character: string): boolean => {
  const code = character.codePointAt(0) ?? 0;
  return code <= 0x1f || (code >= 0x7f && code <= 0x9f);
};
const isValidName = (name: string): boolean =>
  name.length >= 1 &&
  name.length <= 80 &&
  !INVALID_NAME_CHARACTER.test(name) &&
  ![...name].some(isControlCharacter);

/** The request's name and input, checked as Step Functions checks them. */
const startRequest = (body: Record<string, unknown>) => {
  const stateMachineArn = requiredString(body, 'stateMachineArn');
  const name = optionalString(body, 'name') ?? randomUUID();
  if (!isValidName(name)) throw new AwsServiceError('InvalidName', `Invalid Name: '${name}'`);
  const input = optionalString(body, 'input') ?? '{}';
  if (Buffer.byteLength(input) > MAX_INPUT_BYTES)
    throw new AwsServiceError('InvalidExecutionInput', 'the input is larger than 256 KiB');
  try {
    JSON.parse(input);
  } catch {
    throw new AwsServiceError(
      'InvalidExecutionInput',
      `Invalid State Machine Execution Input: '${input.slice(0, 100)}'`,
    );
  }
  return { stateMachineArn, name, input };
};

/** As on AWS: the same name and input while it runs is the same request; anything else is a conflict. */
const sameRequest = (existing: ExecutionRecord, input: string) => {
  if (existing.status === 'RUNNING' && existing.input === input)
    return { executionArn: existing.executionArn, startDate: epochSeconds(existing.startDate) };
  throw new AwsServiceError('ExecutionAlreadyExists', `Execution Already Exists: '${existing.executionArn}'`);
};

/** StartExecution: execution names are idempotency keys, as on AWS. */
export const startExecution =
  (deps: { store: ExecutionStore; runner: StateMachineRunner; lifecycle: ExecutionLifecycle; log: Logger }) =>
  async (body: Record<string, unknown>) => {
    const { store, runner, lifecycle } = deps;
    const { stateMachineArn, name, input } = startRequest(body);
    const machine = await machineFor(runner, stateMachineArn);
    const executionArn = runner.executionArn(machine, name);
    const existing = store.get(executionArn);
    if (existing !== undefined) return sameRequest(existing, input);
    const invalid = await runner.validate(machine);
    if (invalid !== undefined) throw new AwsServiceError('InvalidDefinition', `${machine.file}: ${invalid}`);
    // Checked again: another StartExecution of the same name may have registered while this one loaded.
    const raced = store.get(executionArn);
    if (raced !== undefined) return sameRequest(raced, input);
    const record: ExecutionRecord = {
      executionArn,
      stateMachineArn: machine.arn,
      name,
      status: 'RUNNING',
      startDate: new Date().toISOString(),
      input,
      events: [],
    };
    await store.add(record);
    deps.log('info', 'execution started', { executionArn });
    await lifecycle.launch(record, machine);
    return { executionArn, startDate: epochSeconds(record.startDate) };
  };
