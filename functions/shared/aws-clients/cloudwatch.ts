import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { tracedClient } from './build-client';

export const cloudWatchClient = tracedClient((options) => new CloudWatchClient(options));
