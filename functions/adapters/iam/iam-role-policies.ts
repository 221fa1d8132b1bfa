import {
  DeleteRolePolicyCommand,
  GetRolePolicyCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import type { RolePolicies } from '../../core/breaker/ports';
import { rethrowTransient } from '../transient';

const isNoSuchEntity = (error: unknown): boolean =>
  error instanceof Error && (error.name === 'NoSuchEntityException' || error.name === 'NoSuchEntity');

/** Inline role policies through IAM; every call is also a CloudTrail management event. */
export class IamRolePolicies implements RolePolicies {
  constructor(private readonly client: IAMClient) {}

  async put(role: string, name: string, document: string): Promise<void> {
    await this.client
      .send(new PutRolePolicyCommand({ RoleName: role, PolicyName: name, PolicyDocument: document }))
      .catch(rethrowTransient);
  }

  async remove(role: string, name: string): Promise<'removed' | 'absent'> {
    try {
      await this.client.send(new DeleteRolePolicyCommand({ RoleName: role, PolicyName: name }));
      return 'removed';
    } catch (error) {
      if (isNoSuchEntity(error)) return 'absent';
      return rethrowTransient(error);
    }
  }

  async get(role: string, name: string): Promise<string | undefined> {
    try {
      const { PolicyDocument } = await this.client.send(
        new GetRolePolicyCommand({ RoleName: role, PolicyName: name }),
      );
      // IAM returns the document URL-encoded (RFC 3986), as its API reference says.
      return PolicyDocument === undefined ? undefined : decodeURIComponent(PolicyDocument);
    } catch (error) {
      if (isNoSuchEntity(error)) return undefined;
      return rethrowTransient(error);
    }
  }
}
