import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetRolePolicyCommand,
  type IAMClient,
  NoSuchEntityException,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { IamRolePolicies } from '../../functions/adapters/iam/iam-role-policies';
import { capPolicyDocument, capPolicyName } from '../../functions/core/breaker/cap-enforcement';
import { localIamClient } from '../../scripts/lib/local-clients';
import { type AwsStandIns, awsStandInPaths, serveAwsStandIns } from '../../scripts/local/aws/server';

// The stand-ins server opens the local warehouse (PGlite) on start; a fresh one takes seconds.
jest.setTimeout(60_000);

const STAGE = 'it';
const ROLES = ['chatbot-task', 'recommender-task'];
const POLICY = capPolicyName(STAGE);
const silent = () => undefined;

/**
 * The IAM stand-in of the local stack, in process, through the real IAM client (query protocol,
 * API version 2010-05-08) and the breaker's adapter: what the cap attaches, lifts and reads.
 */
describe('the local IAM stand-in', () => {
  let home = '';
  let server: AwsStandIns;
  let client: IAMClient;
  let policies: IamRolePolicies;

  const start = async () => {
    server = await serveAwsStandIns({ home, stage: STAGE, iamRoles: ROLES }, silent);
    client = localIamClient({
      region: 'us-east-1',
      endpoints: { kinesis: '', dynamodb: '', iam: server.endpoint },
    });
    policies = new IamRolePolicies(client);
  };

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ccb-iam-'));
    await start();
  });

  afterAll(async () => {
    await server?.close();
    await rm(home, { recursive: true, force: true });
  });

  it('puts, reads back (URL-decoded by the adapter) and deletes an inline role policy', async () => {
    await policies.put('chatbot-task', POLICY, capPolicyDocument(STAGE));

    expect(await policies.get('chatbot-task', POLICY)).toBe(capPolicyDocument(STAGE));
    expect(await policies.get('recommender-task', POLICY)).toBeUndefined();
    expect(await policies.remove('chatbot-task', POLICY)).toBe('removed');
    expect(await policies.remove('chatbot-task', POLICY)).toBe('absent');
    expect(await policies.get('chatbot-task', POLICY)).toBeUndefined();
  });

  it('returns the document URL-encoded, as IAM does', async () => {
    await policies.put('recommender-task', POLICY, capPolicyDocument(STAGE));

    const { PolicyDocument, RoleName, PolicyName } = await client.send(
      new GetRolePolicyCommand({ RoleName: 'recommender-task', PolicyName: POLICY }),
    );

    expect({ RoleName, PolicyName }).toEqual({ RoleName: 'recommender-task', PolicyName: POLICY });
    expect(PolicyDocument).toBe(encodeURIComponent(capPolicyDocument(STAGE)));
  });

  it('answers NoSuchEntity for a role that does not exist and rejects a document that is not a policy', async () => {
    await expect(policies.put('someone-else', POLICY, capPolicyDocument(STAGE))).rejects.toBeInstanceOf(
      NoSuchEntityException,
    );
    await expect(
      client.send(
        new PutRolePolicyCommand({ RoleName: 'chatbot-task', PolicyName: POLICY, PolicyDocument: '{' }),
      ),
    ).rejects.toMatchObject({ name: 'MalformedPolicyDocumentException' });
  });

  it('keeps the policies under the stack folder across a restart', async () => {
    await policies.put('chatbot-task', POLICY, capPolicyDocument(STAGE));
    await server.close();

    const file = JSON.parse(await readFile(awsStandInPaths(home).iam, 'utf8'));
    await start();

    expect(file.roles['chatbot-task'][POLICY]).toBe(capPolicyDocument(STAGE));
    expect(await policies.get('chatbot-task', POLICY)).toBe(capPolicyDocument(STAGE));
  });
});
