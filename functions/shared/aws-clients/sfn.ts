import { SFNClient } from '@aws-sdk/client-sfn';
import { tracedClient } from './build-client';

export const sfnClient = tracedClient((options) => new SFNClient(options));
