import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const STAGE = 'dev';
const TEMPLATE_FILE = 'cloudformation-template-update-stack.json';
/** What the deployment is built from: a template older than any of these is stale. */
const PACKAGE_INPUTS = [
  'serverless.yml',
  'package.json',
  'package-lock.json',
  'resources',
  'functions',
  'statemachines',
];

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  DependsOn?: string | string[];
  Condition?: string;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
}

export interface PackagedService {
  /** The folder holding the template and the function zips. */
  dir: string;
  template: CfnTemplate;
  /** True when this run packaged into a temporary folder (removed by `dispose`). */
  packagedNow: boolean;
  dispose: () => Promise<void>;
}

const newestMtime = async (path: string): Promise<number> => {
  const info = await stat(path).catch(() => undefined);
  if (info === undefined) return 0;
  if (!info.isDirectory()) return info.mtimeMs;
  const children = await readdir(path);
  const times = await Promise.all(children.map((child) => newestMtime(join(path, child))));
  return Math.max(info.mtimeMs, ...times);
};

const readTemplate = async (dir: string): Promise<CfnTemplate> =>
  JSON.parse(await readFile(join(dir, TEMPLATE_FILE), 'utf8')) as CfnTemplate;

/** `.serverless/` from an earlier `npm run package`, if it is for this stage and newer than every input. */
const freshPackage = async (): Promise<string | undefined> => {
  const dir = join(REPO_ROOT, '.serverless');
  const builtAt = await newestMtime(join(dir, TEMPLATE_FILE));
  if (builtAt === 0) return undefined;
  const inputsChangedAt = Math.max(
    ...(await Promise.all(PACKAGE_INPUTS.map((p) => newestMtime(join(REPO_ROOT, p))))),
  );
  if (inputsChangedAt >= builtAt) return undefined;
  const state = JSON.parse(await readFile(join(dir, 'serverless-state.json'), 'utf8')) as {
    service?: { provider?: { stage?: string } };
  };
  return state.service?.provider?.stage === STAGE ? dir : undefined;
};

/**
 * Packages the service with osls, offline, into a temporary folder; or reuses `.serverless/` when an
 * earlier `npm run package` left a template newer than every input. osls empties `.serverless/` whenever
 * it packages, even into another folder, so this packages only when that folder is stale or for another
 * stage.
 */
export const packagedService = async (): Promise<PackagedService> => {
  const fresh = await freshPackage();
  if (fresh !== undefined) {
    return { dir: fresh, template: await readTemplate(fresh), packagedNow: false, dispose: async () => {} };
  }
  const dir = await mkdtemp(join(tmpdir(), 'ccb-package-'));
  const workFolder = join('.esbuild', `template-test-${process.pid}`);
  try {
    await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', STAGE, '--package', dir],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CCB_ESBUILD_WORK_FOLDER: workFolder },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  } finally {
    await rm(join(REPO_ROOT, workFolder), { recursive: true, force: true });
  }
  return {
    dir,
    template: await readTemplate(dir),
    packagedNow: true,
    dispose: () => rm(dir, { recursive: true, force: true }),
  };
};
