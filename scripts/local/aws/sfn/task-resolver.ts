import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../lambda-context';
import type { Logger } from '../../log';
import type { TaskResolver } from './execution-run';
import { LambdaFunctionError } from './lambda-invocation';
import type { LoadedStateMachine, TaskFunction } from './state-machine-model';

type LambdaHandler = (event: unknown, context: Context) => Promise<unknown> | unknown;

/**
 * The local stack's Tasks: each calls the exported `handler` of its function module
 * (`functions/breaker-*.ts`) with a Lambda context, as the Lambda runtime would. Modules are
 * imported once; one that fails to import is tried again at the next invocation.
 */
export const moduleTaskResolver = (options: { region: string; accountId: string }) => {
  const handlers = new Map<string, Promise<LambdaHandler>>();

  const loadHandler = (task: TaskFunction): Promise<LambdaHandler> => {
    let loaded = handlers.get(task.module);
    if (loaded === undefined) {
      loaded = import(pathToFileURL(task.module).href).then((module: { handler?: unknown }) => {
        if (typeof module.handler !== 'function')
          throw new LambdaFunctionError(
            'Runtime.HandlerNotFound',
            `${task.module} does not export a function named handler`,
          );
        return module.handler as LambdaHandler;
      });
      loaded.catch(() => handlers.delete(task.module));
      handlers.set(task.module, loaded);
    }
    return loaded;
  };

  const handlerOf = async (task: TaskFunction): Promise<LambdaHandler> => {
    if (!existsSync(task.module))
      throw new LambdaFunctionError(
        'Lambda.ResourceNotFoundException',
        `Function not found: ${task.functionArn} (no local module ${task.module})`,
      );
    try {
      return await loadHandler(task);
    } catch (error) {
      throw error instanceof LambdaFunctionError
        ? error
        : new LambdaFunctionError('Runtime.ImportModuleError', (error as Error).message ?? String(error));
    }
  };

  const resolve: TaskResolver = (task) => async (event) => {
    const handler = await handlerOf(task);
    const context = lambdaContext({
      functionName: task.functionName,
      region: options.region,
      accountId: options.accountId,
      requestId: randomUUID(),
      timeoutMs: task.timeoutMs,
      memoryLimitInMB: 1024,
    });
    return handler(event, context);
  };

  /**
   * Loads every task module of the state machines, so the first execution does not pay for the
   * imports (about a second for the breaker's); a module that fails to load is logged.
   */
  const warm = async (machines: Iterable<LoadedStateMachine>, log: Logger): Promise<void> => {
    const tasks = new Map<string, TaskFunction>();
    for (const machine of machines)
      for (const task of machine.tasks.values()) if (existsSync(task.module)) tasks.set(task.module, task);
    await Promise.all(
      [...tasks.values()].map((task) =>
        loadHandler(task).catch((error: unknown) =>
          log('warn', 'a task module does not load', { module: task.module, error: String(error) }),
        ),
      ),
    );
  };

  return { resolve, warm };
};
