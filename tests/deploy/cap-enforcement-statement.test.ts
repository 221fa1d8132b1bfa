import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';

type StatementFor = (text: string | undefined) => unknown;
const { statementFor } = createRequire(import.meta.url)('../../resources/cap-enforcement.cjs') as {
  statementFor: StatementFor;
};

const ACTIONS = ['iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:GetRolePolicy'];

describe('the enforce-cap role statement serverless.yml takes from resources/cap-enforcement.cjs', () => {
  it('when a stage lists roles, then it allows the inline-policy calls on exactly those roles of the account', () => {
    expect(statementFor(' chatbot-task , recommender ')).toEqual({
      Effect: 'Allow',
      Action: ACTIONS,
      Resource: [
        { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/chatbot-task` },
        { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role/recommender` },
      ],
    });
  });

  it.each([[''], [' , '], [undefined]])(
    'when the list is %p, then it denies them on every resource',
    (text) => {
      expect(statementFor(text)).toEqual({ Effect: 'Deny', Action: ACTIONS, Resource: '*' });
    },
  );

  it('when a name could widen the resource (a wildcard or a path), then packaging fails', () => {
    expect(() => statementFor('chatbot,*')).toThrow('"*" is not an IAM role name');
    expect(() => statementFor('team/*')).toThrow('is not an IAM role name');
  });
});
