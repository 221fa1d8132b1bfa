import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { loadStateMachine } from '../../../../../scripts/local/aws/sfn/definitions';
import { kebabCase } from '../../../../../scripts/local/aws/sfn/placeholders';
import type { StateMachineLoadOptions } from '../../../../../scripts/local/aws/sfn/state-machine-model';
import { projectRoot } from '../../../../../scripts/local/paths';

interface ValidationResult {
  isValid: boolean;
  errorsText: (separator?: string) => string;
}
// asl-validator ships no type declarations.
const aslValidator = createRequire(import.meta.url)('asl-validator') as (
  definition: unknown,
  options?: { checkPaths?: boolean; checkArn?: boolean },
) => ValidationResult;

/** `${Name}`: a DefinitionSubstitutions placeholder. */
const placeholder = (name: string): string => `\${${name}}`;

const REAL = join(projectRoot, 'statemachines');
const FIXTURES = join(projectRoot, 'tests', 'fixtures', 'statemachines');

const options = (overrides: Partial<StateMachineLoadOptions> = {}): StateMachineLoadOptions => ({
  stage: 'local',
  region: 'us-east-1',
  accountId: '000000000000',
  stateMachinesDir: REAL,
  functionsDir: join(projectRoot, 'functions'),
  waitScale: 1,
  ...overrides,
});

const definitionFiles = async (folder: string): Promise<string[]> =>
  (await readdir(folder)).filter((entry) => entry.endsWith('.asl.json')).map((entry) => join(folder, entry));

describe('state machine definitions for the local Step Functions stand-in', () => {
  let scratch = '';

  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'ccb-asl-'));
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  const writeDefinition = async (name: string, definition: unknown): Promise<string> => {
    const file = join(scratch, `${name}.asl.json`);
    await writeFile(file, JSON.stringify(definition));
    return file;
  };

  it('names function modules in kebab case, as serverless.yml names their files', () => {
    expect(kebabCase('BreakerApply')).toBe('breaker-apply');
    expect(kebabCase('BreakerPublishFlags')).toBe('breaker-publish-flags');
    expect(kebabCase('BreakerRestoreStep')).toBe('breaker-restore-step');
    expect(kebabCase('SNSPublish')).toBe('sns-publish');
  });

  it.each([
    ['statemachines', REAL],
    ['fixtures', FIXTURES],
  ])(
    'every %s definition is valid ASL once its placeholders are substituted, and maps every Task to a module',
    async (_label, folder) => {
      const files = await definitionFiles(folder);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) {
        const functionsDir = folder === REAL ? join(projectRoot, 'functions') : join(FIXTURES, 'functions');
        // Act
        const machine = await loadStateMachine(file, options({ stateMachinesDir: folder, functionsDir }));
        const result = aslValidator(structuredClone(machine.definition), {
          checkPaths: true,
          checkArn: true,
        });

        // Assess
        expect({ file, valid: result.isValid, errors: result.errorsText('\n') }).toEqual({
          file,
          valid: true,
          errors: '',
        });
        expect(machine.tasks.size).toBeGreaterThan(0);
        for (const task of machine.tasks.values()) {
          expect(task.functionArn).toBe(
            `arn:aws:lambda:us-east-1:000000000000:function:${task.functionName}`,
          );
          if (!file.includes('missing-function'))
            expect({ file, module: existsSync(task.module) }).toEqual({ file, module: true });
        }
      }
    },
  );

  it('maps the BreakerApplyFunctionArn placeholder to functions/breaker-apply.ts and the stage function name', async () => {
    const machine = await loadStateMachine(join(REAL, 'escalate.asl.json'), options({ stage: 'demo' }));

    expect(machine.name).toBe('ccb-demo-escalate');
    expect(machine.arn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:ccb-demo-escalate');
    expect(machine.tasks.get('Apply')).toEqual({
      functionName: 'ccb-demo-breaker-apply',
      functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:ccb-demo-breaker-apply',
      module: join(projectRoot, 'functions', 'breaker-apply.ts'),
      timeoutMs: 60_000,
    });
  });

  it('refuses a Task that is not a function placeholder, since it would call real AWS', async () => {
    const file = await writeDefinition('direct-sns', {
      StartAt: 'Publish',
      States: { Publish: { Type: 'Task', Resource: 'arn:aws:states:::sns:publish', End: true } },
    });

    await expect(loadStateMachine(file, options())).rejects.toThrow(/Task Publish: .* has no local handler/);
  });

  it('refuses a placeholder it has no value for, and substitutes one it is given', async () => {
    const file = await writeDefinition('topic', {
      StartAt: 'Hello',
      States: {
        Hello: { Type: 'Pass', Result: { topic: placeholder('AlertsTopicArn') }, Next: 'Go' },
        Go: { Type: 'Task', Resource: placeholder('EchoFunctionArn'), End: true },
      },
    });

    await expect(loadStateMachine(file, options())).rejects.toThrow(/\$\{AlertsTopicArn\}/);
    const machine = await loadStateMachine(file, options({ substitutions: { AlertsTopicArn: 'arn:x' } }));
    expect((machine.definition.States as Record<string, { Result?: unknown }>).Hello?.Result).toEqual({
      topic: 'arn:x',
    });
  });

  it('refuses JSONata definitions, which the runner would silently ignore', async () => {
    const file = await writeDefinition('jsonata', {
      QueryLanguage: 'JSONata',
      StartAt: 'Go',
      States: { Go: { Type: 'Task', Resource: placeholder('EchoFunctionArn'), End: true } },
    });

    await expect(loadStateMachine(file, options())).rejects.toThrow(/JSONata/);
  });

  it('keeps Wait states as they are unless waits are scaled, then turns them into in-process waits', async () => {
    const file = join(FIXTURES, 'wait.asl.json');
    const fixtureOptions = { stateMachinesDir: FIXTURES, functionsDir: join(FIXTURES, 'functions') };

    const unscaled = await loadStateMachine(file, options(fixtureOptions));
    const scaled = await loadStateMachine(file, options({ ...fixtureOptions, waitScale: 0.001 }));

    const states = (machine: typeof scaled) =>
      machine.definition.States as Record<string, Record<string, unknown>>;
    expect(states(unscaled).Hold).toEqual({ Type: 'Wait', SecondsPath: '$.ttl_seconds', Next: 'Revert' });
    expect(unscaled.waits.size).toBe(0);
    expect(states(scaled).Hold).toMatchObject({ Type: 'Task', Next: 'Revert' });
    expect(states(scaled).Hold).not.toHaveProperty('SecondsPath');
    expect(scaled.waits.get('Hold')).toEqual({ SecondsPath: '$.ttl_seconds' });
    expect(scaled.tasks.has('Hold')).toBe(false);
  });
});
