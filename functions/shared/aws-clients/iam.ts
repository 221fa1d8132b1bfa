import { IAMClient } from '@aws-sdk/client-iam';
import { tracedClient } from './build-client';

export const iamClient = tracedClient((options) => new IAMClient(options));
