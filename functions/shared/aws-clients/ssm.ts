import { SSMClient } from '@aws-sdk/client-ssm';
import { tracedClient } from './build-client';

export const ssmClient = tracedClient((options) => new SSMClient(options));
