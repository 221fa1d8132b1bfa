import { RedshiftDataClient } from '@aws-sdk/client-redshift-data';
import { tracedClient } from './build-client';

export const redshiftDataClient = tracedClient((options) => new RedshiftDataClient(options));
