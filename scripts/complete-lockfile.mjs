#!/usr/bin/env node
/**
 * Completes package-lock.json with the platform-specific optional packages (DuckDB's native bindings,
 * Rollup's binaries) for platforms other than this machine's.
 *
 * Why: the registry this project is developed against serves only this machine's platform variants,
 * so npm leaves the others out of the lockfile — and then `npm ci` refuses the lockfile as out of sync.
 * Each added entry carries the os/cpu/libc of its platform, so `npm ci` skips it where it does not
 * apply, and fetches it by exact version (from the parent's pinned optionalDependencies) where it does.
 * Run after every `npm install` that changes the lockfile: `node scripts/complete-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from 'node:fs';

const OSES = ['darwin', 'linux', 'win32', 'freebsd', 'openbsd', 'android', 'sunos', 'openharmony', 'aix'];
const CPUS = ['x64', 'arm64', 'arm', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x'];

/** Platform of a package named like `@scope/thing-linux-arm64-musl` or `…-linux-arm-gnueabihf`. */
function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = parts.find((p) => OSES.includes(p));
  const cpu = parts.find((p) => CPUS.includes(p));
  if (!os || !cpu) return undefined;
  const platform = { os: [os], cpu: [cpu] };
  if (os === 'linux') platform.libc = [parts.some((p) => p.startsWith('musl')) ? 'musl' : 'glibc'];
  return platform;
}

const lockPath = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
const added = [];
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [dep, spec] of Object.entries(entry.optionalDependencies ?? {})) {
    const hoisted = `node_modules/${dep}`;
    if (lock.packages[hoisted] || lock.packages[`${path}/node_modules/${dep}`]) continue;
    const platform = platformOf(dep);
    if (!platform || !/^\d+\.\d+\.\d+/.test(spec)) continue; // only exact-pinned platform binaries
    lock.packages[hoisted] = { version: spec, ...platform, dev: entry.dev || undefined, optional: true };
    added.push(`${dep}@${spec}`);
  }
}
const sorted = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync(lockPath, JSON.stringify(lock, null, 2) + '\n');
console.log(added.length ? `lockfile: added ${added.length} platform packages:\n  ${added.join('\n  ')}` : 'lockfile: complete');
