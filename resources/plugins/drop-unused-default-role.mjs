/**
 * osls plugin. serverless-iam-roles-per-function gives each function its own role but leaves the
 * framework's shared role (IamRoleLambdaExecution, holding the union of every function's stream and
 * tracing permissions) in the template, unused. This removes it once nothing in the template refers to it,
 * so no role exists that is broader than the function it serves. List it after that plugin: both run on
 * `before:package:finalize`, in the order the plugins are listed.
 */
export default class DropUnusedDefaultRole {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'before:package:finalize': () => this.dropUnusedDefaultRole() };
  }

  dropUnusedDefaultRole() {
    const template = this.serverless.service.provider.compiledCloudFormationTemplate;
    const roleId = this.serverless.getProvider('aws').naming.getRoleLogicalId();
    if (!(roleId in template.Resources)) return;
    const { [roleId]: _role, ...others } = template.Resources;
    const rest = JSON.stringify({ ...template, Resources: others });
    const referenced = rest.includes(`"${roleId}"`) || rest.includes(`\${${roleId}`);
    if (!referenced) delete template.Resources[roleId];
  }
}
