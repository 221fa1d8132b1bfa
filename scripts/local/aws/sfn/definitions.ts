import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { stateMachineArn } from '../../../lib/stack-context';
import { substitutePlaceholders } from './placeholders';
import { prepareStates, type StatesMap } from './prepared-states';
import {
  DefinitionError,
  type LoadedStateMachine,
  type StateMachineLoadOptions,
} from './state-machine-model';

const DEFINITION_SUFFIX = '.asl.json';

/** The definition as the local runner can run it: JSON, in JSONPath, with States. */
const parseDefinition = (
  file: string,
  text: string,
): { definition: Record<string, unknown>; states: StatesMap } => {
  let definition: Record<string, unknown>;
  try {
    definition = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new DefinitionError(file, `not valid JSON (${(error as Error).message})`);
  }
  if (definition.QueryLanguage === 'JSONata')
    throw new DefinitionError(
      file,
      'JSONata definitions are not supported locally; write the ASL in JSONPath',
    );
  const states = definition.States as StatesMap | undefined;
  if (states === undefined || typeof states !== 'object') throw new DefinitionError(file, 'no States');
  return { definition, states };
};

/**
 * Reads one definition file and prepares it for the local runner: substitutes the placeholders,
 * maps every Task to a local function module and, when waits are scaled, rewrites Wait states.
 * Throws DefinitionError when a Task could not run locally (it would otherwise call real AWS).
 */
export const loadStateMachine = async (
  file: string,
  options: StateMachineLoadOptions,
): Promise<LoadedStateMachine> => {
  const base = basename(file, DEFINITION_SUFFIX);
  const { text, functionsByArn } = substitutePlaceholders(file, await readFile(file, 'utf8'), options);
  const { definition, states } = parseDefinition(file, text);
  return {
    name: `ccb-${options.stage}-${base}`,
    arn: stateMachineArn(options.stage, base, options),
    file,
    definition,
    definitionText: text,
    ...prepareStates(file, states, functionsByArn, options),
  };
};

/** Every `*.asl.json` in the folder, by ARN; a file that cannot run locally is reported, not skipped. */
export const loadStateMachines = async (
  options: StateMachineLoadOptions,
): Promise<Map<string, LoadedStateMachine | DefinitionError>> => {
  let files: string[] = [];
  try {
    files = (await readdir(options.stateMachinesDir))
      .filter((entry) => entry.endsWith(DEFINITION_SUFFIX))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const machines = new Map<string, LoadedStateMachine | DefinitionError>();
  for (const entry of files) {
    const file = join(options.stateMachinesDir, entry);
    const arn = stateMachineArn(options.stage, basename(entry, DEFINITION_SUFFIX), options);
    try {
      machines.set(arn, await loadStateMachine(file, options));
    } catch (error) {
      machines.set(arn, error instanceof DefinitionError ? error : new DefinitionError(file, String(error)));
    }
  }
  return machines;
};
