import { GetParametersCommand, PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import type { FlagSource } from '../../core/breaker/flag-client';
import type { FlagPublisher } from '../../core/breaker/ports';
import { rethrowTransient } from '../transient';

/**
 * Publishes the breaker's flags as String parameters under one prefix per stage. Each PutParameter
 * carries the execution and reason in its description, which CloudTrail records with the call.
 */
export class SsmFlagPublisher implements FlagPublisher {
  constructor(
    private readonly client: SSMClient,
    /** e.g. /ccb/prod/ */
    private readonly prefix: string,
  ) {}

  async publish(values: Readonly<Record<string, string>>, description: string): Promise<void> {
    await Promise.all(
      Object.entries(values).map(([name, value]) =>
        this.client
          .send(
            new PutParameterCommand({
              Name: `${this.prefix}${name}`,
              Value: value,
              Type: 'String',
              Overwrite: true,
              Description: description,
            }),
          )
          .catch(rethrowTransient),
      ),
    );
  }
}

/** The flag client's source: one GetParameters call (up to 10 names) per refresh. */
export class SsmFlagSource implements FlagSource {
  constructor(private readonly client: SSMClient) {}

  async read(names: readonly string[]): Promise<Record<string, string | undefined>> {
    const values: Record<string, string | undefined> = {};
    for (let i = 0; i < names.length; i += 10) {
      const { Parameters } = await this.client.send(
        new GetParametersCommand({ Names: names.slice(i, i + 10) }),
      );
      for (const p of Parameters ?? []) if (p.Name !== undefined) values[p.Name] = p.Value;
    }
    return values;
  }
}
