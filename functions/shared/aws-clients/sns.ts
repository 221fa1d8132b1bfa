import { SNSClient } from '@aws-sdk/client-sns';
import { tracedClient } from './build-client';

export const snsClient = tracedClient((options) => new SNSClient(options));
