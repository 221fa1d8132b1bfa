import { loadRunner } from './runner-module';
import type { LoadedStateMachine } from './state-machine-model';

/**
 * The runner's own check of a definition (paths and ARNs included). It takes 0.1-0.3 s, so each
 * distinct definition is validated once; the answer is why the runner refuses it, or undefined.
 */
export const definitionValidator = () => {
  const validations = new Map<string, string | undefined>();
  return async (machine: LoadedStateMachine): Promise<string | undefined> => {
    const key = JSON.stringify(machine.definition);
    if (!validations.has(key)) {
      const { StateMachine } = await loadRunner();
      try {
        new StateMachine(machine.definition as never, {
          validationOptions: { checkPaths: true, checkArn: true },
        });
        validations.set(key, undefined);
      } catch (error) {
        validations.set(key, (error as Error).message);
      }
    }
    return validations.get(key);
  };
};
