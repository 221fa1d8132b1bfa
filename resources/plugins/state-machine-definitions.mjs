import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/**
 * osls plugin. Puts each state machine's ASL file into its `DefinitionString`, as JSON text. A
 * `Definition` object loses every `null`: osls strips null properties from the template's resources, and
 * CloudFormation rejects null values in a template anyway. `"ResultPath": null` (keep the state input,
 * discard the task result) would then silently become "replace the state input with the task result".
 * Inside a string the nulls are just text.
 *
 * A state machine names its file in `Metadata.DefinitionFile` (relative to the service folder) and
 * leaves the definition out. Packaging fails when the definition uses a `${Name}` placeholder that its
 * DefinitionSubstitutions do not fill, which CloudFormation would only report at deploy time.
 */
export default class StateMachineDefinitions {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = {
      // After the `resources` section is merged into the template, before the template is written.
      'before:aws:package:finalize:saveServiceState': () => this.loadDefinitions(),
    };
  }

  loadDefinitions() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const file = resource.Metadata?.DefinitionFile;
      if (resource.Type !== 'AWS::StepFunctions::StateMachine' || file === undefined) continue;
      const properties = resource.Properties ?? {};
      if ('Definition' in properties || 'DefinitionString' in properties) {
        throw new Error(`${logicalId}: give either Metadata.DefinitionFile or a Definition, not both`);
      }
      const text = readFileSync(resolve(this.serverless.serviceDir, file), 'utf8');
      const substitutions = Object.keys(properties.DefinitionSubstitutions ?? {});
      const missing = [...new Set([...text.matchAll(PLACEHOLDER)].map((match) => match[1]))].filter(
        (name) => !substitutions.includes(name),
      );
      if (missing.length > 0) {
        throw new Error(
          `${logicalId}: ${file} uses \${${missing.join('}, ${')}} with no DefinitionSubstitutions`,
        );
      }
      resource.Properties = { ...properties, DefinitionString: JSON.stringify(JSON.parse(text)) };
    }
  }
}
