import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import type { Workflow } from '../../functions/core/breaker/ports';
import { kebabCase } from '../../scripts/local/aws/sfn/placeholders';
import { breakerWorld } from '../helpers/breaker-world';
import { loadDefinition } from '../helpers/state-machine';

type AslValidator = (
  definition: unknown,
  options?: { checkArn?: boolean; checkPaths?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const validateAsl = createRequire(import.meta.url)('asl-validator') as AslValidator;

const WORKFLOWS: Workflow[] = ['escalate', 'restore', 'override'];

interface AslState {
  Type: string;
  QueryLanguage?: string;
  Retry?: unknown[];
  Catch?: unknown[];
}

describe('the state machine definitions', () => {
  it('are valid ASL in JSONPath once their placeholders are substituted as on deploy', async () => {
    // Prepare
    const loaded = await Promise.all(WORKFLOWS.map(loadDefinition));

    // Act
    const verdicts = loaded.map(({ workflow, definition }) => {
      const { isValid, errorsText } = validateAsl(structuredClone(definition), {
        checkArn: true,
        checkPaths: true,
      });
      return { workflow, isValid, errors: isValid ? '' : errorsText('\n') };
    });

    // Assess
    expect(verdicts).toEqual(WORKFLOWS.map((workflow) => ({ workflow, isValid: true, errors: '' })));
    for (const { raw } of loaded) {
      const states = Object.values((raw as { States: Record<string, AslState> }).States);
      expect((raw as { QueryLanguage?: string }).QueryLanguage ?? 'JSONPath').toBe('JSONPath');
      expect(states.filter((s) => s.QueryLanguage !== undefined && s.QueryLanguage !== 'JSONPath')).toEqual(
        [],
      );
    }
  });

  it.each(WORKFLOWS)(
    '%s: every Task retries, catches, and calls a task function with a use case here',
    async (workflow) => {
      // Prepare
      const { raw, tasks } = await loadDefinition(workflow);
      const world = breakerWorld({ now: '2025-03-15T00:00:00.000Z' });
      const states = (raw as { States: Record<string, AslState> }).States;

      // Act
      const unguarded = Object.entries(states)
        .filter(([, s]) => s.Type === 'Task' && (s.Retry === undefined || s.Catch === undefined))
        .map(([name]) => name);
      const unmapped = [...tasks].filter(([, fn]) => world.functions[fn] === undefined).map(([name]) => name);
      const withoutHandler = [...new Set(tasks.values())].filter(
        (fn) => !existsSync(new URL(`../../functions/${kebabCase(fn)}.ts`, import.meta.url)),
      );

      // Assess
      expect(tasks.size).toBe(Object.values(states).filter((s) => s.Type === 'Task').length);
      expect(unguarded).toEqual([]);
      expect(unmapped).toEqual([]);
      expect(withoutHandler).toEqual([]);
    },
  );
});
