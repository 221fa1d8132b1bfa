import { existsSync } from 'node:fs';
import { type Consumer, resolveHandlerModule } from '../consumer';
import { consumerPaths, stackPaths } from '../paths';
import { DEFAULT_ARCHIVE_MODULE, type SupervisorConfig } from './config';
import { supervisorLog as log } from './supervised';

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/**
 * The mappings the supervisor runs: the aggregate's, and the archive's unless it is turned off or its
 * module is missing. The archive runs in a worker thread and retries a failed batch until it succeeds
 * (on AWS: until the records are 6 hours old), so an outage of the archive only delays it, and never
 * touches the aggregate.
 */
export const consumersOf = (config: SupervisorConfig): Consumer[] => {
  const paths = stackPaths(config.home);
  const consumers: Consumer[] = [
    {
      functionName: `ccb-${config.stage}-aggregate`,
      handlerModule: config.handlerModule,
      mapping: config.mapping,
      paths: {
        checkpoints: paths.checkpoints,
        failures: paths.failures,
        eventSourceStatus: paths.eventSourceStatus,
      },
      memoryLimitInMB: 1024,
      serviceName: 'ccb-aggregate',
    },
  ];
  const archiveModule = config.archiveModule ?? DEFAULT_ARCHIVE_MODULE;
  if (archiveModule === '') {
    log('info', 'the archive consumer is off');
  } else if (!existsSync(resolveHandlerModule(archiveModule))) {
    log('info', `the archive consumer is off: ${archiveModule} does not exist`);
  } else {
    const functionName = `ccb-${config.stage}-archive`;
    consumers.push({
      functionName,
      handlerModule: archiveModule,
      mapping: {
        ...definedOnly({
          BatchSize: config.mapping.BatchSize,
          MaximumBatchingWindowInSeconds: config.mapping.MaximumBatchingWindowInSeconds,
        }),
        MaximumRetryAttempts: -1,
        MaximumRecordAgeInSeconds: -1,
        BisectBatchOnFunctionError: true,
        ReportBatchItemFailures: true,
        ...config.archiveMapping,
      },
      paths: consumerPaths(config.home, functionName),
      memoryLimitInMB: 256,
      serviceName: 'ccb-archive',
    });
  }
  return consumers;
};
