import { readdir } from 'node:fs/promises';
import { readJsonIfExists } from './json-file';
import { consumerPaths, stackPaths } from './paths';
import type { EventSourceStatusFile } from './supervisor';

/**
 * The further consumers of the stream (beside the aggregate) that the supervisor `supervisorPid` runs:
 * each writes its status file under `<home>/consumers/<function>/` as it starts, naming its supervisor,
 * so a folder left by an earlier run with other settings does not count.
 */
export const runningConsumers = async (
  home: string,
  supervisorPid: number,
): Promise<EventSourceStatusFile[]> => {
  const names = await readdir(stackPaths(home).consumers).catch(() => [] as string[]);
  const statuses = await Promise.all(
    names.map((name) =>
      readJsonIfExists<EventSourceStatusFile>(consumerPaths(home, name).eventSourceStatus).catch(
        () => undefined,
      ),
    ),
  );
  return statuses.filter(
    (status): status is EventSourceStatusFile =>
      status !== undefined && status.supervisorPid === supervisorPid,
  );
};
