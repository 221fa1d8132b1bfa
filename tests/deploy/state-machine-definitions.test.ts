import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { REPO_ROOT } from './packaged-service';

interface Resource {
  Type: string;
  Metadata?: Record<string, unknown>;
  Properties?: Record<string, unknown>;
}

interface Plugin {
  hooks: Record<string, () => void>;
}

type PluginClass = new (serverless: unknown) => Plugin;

const DEFINITION = {
  StartAt: 'Record',
  States: {
    Record: {
      Type: 'Task',
      Resource: `\${BreakerRecordFunctionArn}`,
      ResultPath: null,
      Retry: [{ ErrorEquals: ['States.ALL'] }],
      Catch: [{ ErrorEquals: ['States.ALL'], Next: 'Failed' }],
      End: true,
    },
    Failed: { Type: 'Fail' },
  },
};

describe('given the state machine definitions plugin', () => {
  let serviceDir: string;
  let Plugin: PluginClass;

  /** Runs the plugin's hook over a template holding one state machine. */
  const packageMachine = (machine: Resource): Resource => {
    const template = { Resources: { Machine: machine } };
    const plugin = new Plugin({
      serviceDir,
      service: { provider: { compiledCloudFormationTemplate: template } },
    });
    for (const hook of Object.values(plugin.hooks)) hook();
    return template.Resources.Machine;
  };

  beforeAll(async () => {
    serviceDir = await mkdtemp(join(tmpdir(), 'ccb-definitions-'));
    await writeFile(join(serviceDir, 'machine.asl.json'), JSON.stringify(DEFINITION, null, 2));
    const url = new URL('resources/plugins/state-machine-definitions.mjs', `file://${REPO_ROOT}`).href;
    Plugin = ((await import(url)) as { default: PluginClass }).default;
  });

  afterAll(async () => {
    await rm(serviceDir, { recursive: true, force: true });
  });

  it('puts the file into DefinitionString with its nulls, which a Definition object would lose', () => {
    const machine = packageMachine({
      Type: 'AWS::StepFunctions::StateMachine',
      Metadata: { DefinitionFile: 'machine.asl.json' },
      Properties: { DefinitionSubstitutions: { BreakerRecordFunctionArn: 'arn' } },
    });

    expect(JSON.parse(String(machine.Properties?.DefinitionString))).toEqual(DEFINITION);
    expect(machine.Properties?.Definition).toBeUndefined();
  });

  it('fails packaging when a placeholder has no substitution', () => {
    expect(() =>
      packageMachine({
        Type: 'AWS::StepFunctions::StateMachine',
        Metadata: { DefinitionFile: 'machine.asl.json' },
        Properties: { DefinitionSubstitutions: {} },
      }),
    ).toThrow(`\${BreakerRecordFunctionArn}`);
  });

  it('refuses a state machine that also has a definition of its own', () => {
    expect(() =>
      packageMachine({
        Type: 'AWS::StepFunctions::StateMachine',
        Metadata: { DefinitionFile: 'machine.asl.json' },
        Properties: { Definition: DEFINITION },
      }),
    ).toThrow('not both');
  });

  it('leaves a state machine without a DefinitionFile alone', () => {
    const machine = packageMachine({
      Type: 'AWS::StepFunctions::StateMachine',
      Properties: { Definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } } },
    });

    expect(machine.Properties).toEqual({
      Definition: { StartAt: 'Done', States: { Done: { Type: 'Succeed' } } },
    });
  });
});
