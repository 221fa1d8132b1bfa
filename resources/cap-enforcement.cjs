// serverless.yml variable source (`${file(./resources/cap-enforcement.cjs):statement}`): the breaker-enforce-cap
// role's IAM statement for the stage's `capEnforcementRoles`. CloudFormation cannot map a list of role
// names to ARNs, so this does it at package time. CommonJS: the framework's file source requires .js/.cjs.
'use strict';

const ACTIONS = ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy'];
// IAM role names: letters, digits and +=,.@_- (IAM CreateRole), up to 64 characters.
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;

const roleNames = (text) =>
  String(text ?? '')
    .split(',')
    .map((role) => role.trim())
    .filter((role) => role !== '');

/** The statement for a list of role names: Allow on exactly those roles, or an explicit Deny when none. */
const statementFor = (text) => {
  const roles = roleNames(text);
  for (const role of roles) {
    if (!ROLE_NAME.test(role)) throw new Error(`capEnforcementRoles: "${role}" is not an IAM role name`);
  }
  if (roles.length === 0) return { Effect: 'Deny', Action: ACTIONS, Resource: '*' };
  return {
    Effect: 'Allow',
    Action: ACTIONS,
    Resource: roles.map((role) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/${role}`,
    })),
  };
};

module.exports = {
  statementFor,
  statement: async ({ resolveVariable }) => statementFor(await resolveVariable('param:capEnforcementRoles')),
};
