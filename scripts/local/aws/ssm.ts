import { dispatchJsonOperation } from './protocol';
import { ssmOperations } from './ssm/operations';
import { parameterStore } from './ssm/parameter-store';
import { openSsmFile } from './ssm/ssm-file';

export interface SsmServiceOptions {
  file: string;
  region: string;
  accountId: string;
  now?: () => Date;
}

/**
 * SSM Parameter Store, the part the breaker and the flag client use: PutParameter, GetParameter(s),
 * GetParametersByPath and GetParameterHistory, answering in the shapes of the awsJson1_1 protocol.
 * Every write is on disk before it is acknowledged.
 */
export const createSsmService = async (options: SsmServiceOptions) => {
  const file = await openSsmFile(options.file);
  const store = parameterStore(file.state, options.now ?? (() => new Date()));
  const operations = ssmOperations({
    store,
    save: file.save,
    region: options.region,
    accountId: options.accountId,
  });
  return {
    /** Runs one operation; throws AwsServiceError for the client's mistakes. */
    handle: dispatchJsonOperation('SSM', operations),
    flush: file.flush,
  };
};

export type SsmService = Awaited<ReturnType<typeof createSsmService>>;
