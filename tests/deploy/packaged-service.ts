import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout } from 'node:timers/promises';
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

const PACKAGE_DIR = join(REPO_ROOT, '.serverless');
/** Held by the one test process packaging into `.serverless/`; holds that process's pid. */
const LOCK_FILE = join(REPO_ROOT, '.esbuild', 'template-tests.lock');

/** `.serverless/` from an earlier packaging, if it is for this stage and newer than every input. */
const freshPackage = async (): Promise<string | undefined> => {
  const builtAt = await newestMtime(join(PACKAGE_DIR, TEMPLATE_FILE));
  if (builtAt === 0) return undefined;
  const inputsChangedAt = Math.max(
    ...(await Promise.all(PACKAGE_INPUTS.map((p) => newestMtime(join(REPO_ROOT, p))))),
  );
  if (inputsChangedAt >= builtAt) return undefined;
  const state = JSON.parse(await readFile(join(PACKAGE_DIR, 'serverless-state.json'), 'utf8')) as {
    service?: { provider?: { stage?: string } };
  };
  return state.service?.provider?.stage === STAGE ? PACKAGE_DIR : undefined;
};

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Takes the packaging lock, or returns false while another live process holds it (a dead one's is removed). */
const takeLock = async (): Promise<boolean> => {
  await mkdir(dirname(LOCK_FILE), { recursive: true });
  try {
    await writeFile(LOCK_FILE, String(process.pid), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const holder = Number(await readFile(LOCK_FILE, 'utf8').catch(() => ''));
  if (holder > 0 && !isRunning(holder)) await rm(LOCK_FILE, { force: true });
  return false;
};

/** Packages the service with osls, offline, into `.serverless/` (as `npm run package` does). */
const packageService = async (): Promise<void> => {
  const workFolder = join('.esbuild', `template-test-${process.pid}`);
  try {
    await promisify(execFile)(
      process.execPath,
      [join(REPO_ROOT, 'node_modules/osls/bin/serverless.js'), 'package', '--stage', STAGE],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, CCB_ESBUILD_WORK_FOLDER: workFolder },
        maxBuffer: 16 * 1024 * 1024,
      },
    );
  } finally {
    await rm(join(REPO_ROOT, workFolder), { recursive: true, force: true });
  }
};

/**
 * The service packaged offline for the stage, in `.serverless/`: reused when a template there is newer
 * than every input (an earlier `npm run package`, or another template test of this run), packaged
 * otherwise. Jest runs each test file in its own module registry, so the test files share one packaging
 * through that folder; a lock file lets one process package while the others wait, since osls empties
 * `.serverless/` whenever it packages.
 */
export const packagedService = async (): Promise<PackagedService> => {
  for (;;) {
    const fresh = await freshPackage();
    if (fresh !== undefined) return { dir: fresh, template: await readTemplate(fresh) };
    if (await takeLock()) {
      try {
        if ((await freshPackage()) === undefined) await packageService();
        return { dir: PACKAGE_DIR, template: await readTemplate(PACKAGE_DIR) };
      } finally {
        await rm(LOCK_FILE, { force: true });
      }
    }
    await setTimeout(500);
  }
};
