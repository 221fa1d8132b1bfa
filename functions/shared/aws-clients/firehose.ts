import { FirehoseClient } from '@aws-sdk/client-firehose';
import { tracedClient } from './build-client';

export const firehoseClient = tracedClient((options) => new FirehoseClient(options));
