export type RunnerModule = typeof import('aws-local-stepfunctions');

let runnerModule: Promise<RunnerModule> | undefined;

/** aws-local-stepfunctions, loaded once; it needs Promise.withResolvers, which Node 20 lacks, so the polyfill loads first. */
export const loadRunner = (): Promise<RunnerModule> => {
  runnerModule ??= import('../polyfills').then(() => import('aws-local-stepfunctions'));
  return runnerModule;
};
