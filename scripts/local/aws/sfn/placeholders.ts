import { join } from 'node:path';
import { DefinitionError, type StateMachineLoadOptions, type TaskFunction } from './state-machine-model';

/** `${BreakerApplyFunctionArn}`: the DefinitionSubstitutions placeholder of a Task's Lambda function. */
const FUNCTION_PLACEHOLDER = /^([A-Z][A-Za-z0-9]*)FunctionArn$/;
const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;
const WHOLE_PLACEHOLDER = /^\$\{([A-Za-z0-9_]+)\}$/;

/** A Task's function by the ARN its placeholder became; the Task's own timeout is added per state. */
export type FunctionsByArn = Map<string, Omit<TaskFunction, 'timeoutMs'>>;

/** BreakerPublishFlags -> breaker-publish-flags: the file name of a function in functions/. */
export const kebabCase = (name: string): string =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();

/** `${BreakerApplyFunctionArn}` -> `BreakerApply`; undefined for any other Resource. */
export const functionKeyOf = (resource: unknown): string | undefined => {
  const key = WHOLE_PLACEHOLDER.exec(String(resource))?.[1];
  return key === undefined ? undefined : FUNCTION_PLACEHOLDER.exec(key)?.[1];
};

/**
 * Substitutes every placeholder as deploy does: `${<Name>FunctionArn}` by the stage's function ARN
 * (remembered with its local module), the others from `substitutions`; one without a value throws.
 */
export const substitutePlaceholders = (
  file: string,
  raw: string,
  options: StateMachineLoadOptions,
): { text: string; functionsByArn: FunctionsByArn } => {
  const functionsByArn: FunctionsByArn = new Map();
  const unknown = new Set<string>();
  const text = raw.replace(PLACEHOLDER, (match, key: string) => {
    const functionKey = FUNCTION_PLACEHOLDER.exec(key)?.[1];
    if (functionKey !== undefined) {
      const functionName = `ccb-${options.stage}-${kebabCase(functionKey)}`;
      const functionArn = `arn:aws:lambda:${options.region}:${options.accountId}:function:${functionName}`;
      functionsByArn.set(functionArn, {
        functionName,
        functionArn,
        module: join(options.functionsDir, `${kebabCase(functionKey)}.ts`),
      });
      return functionArn;
    }
    const value = options.substitutions?.[key];
    if (value === undefined) {
      unknown.add(key);
      return match;
    }
    // The value lands inside a JSON string.
    return JSON.stringify(value).slice(1, -1);
  });
  if (unknown.size > 0)
    throw new DefinitionError(
      file,
      `no local value for DefinitionSubstitutions ${[...unknown].map((k) => `\${${k}}`).join(', ')}`,
    );
  return { text, functionsByArn };
};
