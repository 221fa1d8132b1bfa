#!/usr/bin/env node
// The registry this team installs from serves only the native binaries of the platforms it runs on, so
// `npm install` leaves the other platforms' optional binaries (biome, swc, ...) out of package-lock.json
// and `npm ci` then refuses the lock file everywhere. This adds the missing entries with their platform
// constraints, which is all `npm ci` needs to skip them. Run it after every `npm install`.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const LOCK = 'package-lock.json';
const OSES = [
  'android',
  'darwin',
  'linux',
  'win32',
  'freebsd',
  'openharmony',
  'sunos',
  'aix',
  'netbsd',
  'openbsd',
];
const CPUS = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'loong64', 'riscv64', 'wasm32'];

const missingPackages = () => {
  try {
    execFileSync('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
      stdio: 'pipe',
    });
    return [];
  } catch (error) {
    const output = `${error.stdout}${error.stderr}`;
    return [...output.matchAll(/Missing: (\S+)@ from lock file/g)].map((m) => m[1]);
  }
};

const platformOf = (name) => {
  const base = name.split('/').pop();
  const os = OSES.find((o) => base.includes(o));
  const cpu = CPUS.find((c) => new RegExp(`-${c}(-|$)`).test(base));
  if (os === undefined || cpu === undefined) throw new Error(`cannot tell the platform of ${name}`);
  const libc = os === 'linux' ? (base.includes('musl') ? 'musl' : 'glibc') : undefined;
  return { os, cpu, libc };
};

const lock = JSON.parse(readFileSync(LOCK, 'utf8'));
const missing = missingPackages();
for (const name of missing) {
  const parent = Object.values(lock.packages).find((meta) => meta.optionalDependencies?.[name] !== undefined);
  if (parent === undefined) throw new Error(`no package in the lock file depends on ${name}`);
  const { os, cpu, libc } = platformOf(name);
  lock.packages[`node_modules/${name}`] = {
    version: parent.optionalDependencies[name],
    cpu: [cpu],
    ...(parent.dev ? { dev: true } : {}),
    ...(libc ? { libc: [libc] } : {}),
    optional: true,
    os: [os],
  };
}
const [root, ...rest] = Object.entries(lock.packages);
lock.packages = Object.fromEntries([root, ...rest.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
writeFileSync(LOCK, `${JSON.stringify(lock, null, 2)}\n`);
console.log(missing.length === 0 ? 'lock file complete' : `added ${missing.length} platform entries`);
