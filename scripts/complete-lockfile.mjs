#!/usr/bin/env node
// Adds lock entries for optional platform packages (native binaries of @swc/core, unrs-resolver, …) that the
// registry did not list when the lock was written. `npm ci` refuses a lock that lacks any optional dependency, but
// skips entries whose os/cpu do not match the machine, so an entry with the platform fields is all it needs to accept
// the lock. Every entry written here (and every earlier one that lacks it) then gets the `integrity` of its tarball
// from the registry, so `npm ci` on that platform verifies the download like any other package. `resolved` is written
// only when the lock's other registry entries carry one: npm's `omit-lockfile-registry-resolved` (see .npmrc) leaves
// it out everywhere else.
// Run after `npm install` changed the lock: `npm run lockfile:complete`.
import { readFileSync, writeFileSync } from 'node:fs';

const OSES = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'sunos', 'netbsd', 'openbsd', 'aix'];
const CPUS = ['arm64', 'x64', 'ia32', 'ppc64', 's390x', 'riscv64', 'loong64', 'wasm32', 'arm'];
const REGISTRY = (process.env.npm_config_registry || 'https://registry.npmjs.org/').replace(/\/?$/, '/');
const PARALLEL = 8;

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = OSES.find((o) => parts.includes(o));
  const cpu = CPUS.find((c) => parts.includes(c));
  const libc = parts.some((p) => p.startsWith('musl')) ? 'musl' : os === 'linux' && parts.some((p) => p.startsWith('gnu')) ? 'glibc' : undefined;
  return { os, cpu, libc };
}

/** The package name of a lock key (`node_modules/a/node_modules/@s/b` → `@s/b`). */
function nameOf(key) {
  return key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
}

/** `dist` of one published version: `{ integrity, tarball }`. */
async function distOf(name, version) {
  const url = `${REGISTRY}${name.replace('/', '%2F')}/${encodeURIComponent(version)}`;
  const response = await globalThis.fetch(url, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${name}@${version}: registry answered ${response.status} (${url})`);
  const manifest = await response.json();
  if (typeof manifest.dist?.integrity !== 'string' || typeof manifest.dist?.tarball !== 'string') {
    throw new Error(`${name}@${version}: the registry lists no integrity or tarball`);
  }
  return { integrity: manifest.dist.integrity, tarball: manifest.dist.tarball, license: manifest.license };
}

const path = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages;

const added = [];
for (const meta of Object.values(packages)) {
  for (const [dep, version] of Object.entries(meta.optionalDependencies ?? {})) {
    const key = `node_modules/${dep}`;
    if (key in packages) continue;
    const { os, cpu, libc } = platformOf(dep);
    if (!os || !cpu) {
      console.error(`cannot tell the platform of ${dep}; left out`);
      continue;
    }
    packages[key] = { version, cpu: [cpu], ...(meta.dev ? { dev: true } : {}), ...(libc ? { libc: [libc] } : {}), optional: true, os: [os] };
    added.push(`${dep}@${version}`);
  }
}

// Registry packages only: not the root, not workspace links, not git or file dependencies (their `resolved` is set).
const registryEntries = Object.entries(packages).filter(([key, meta]) => key.startsWith('node_modules/') && !meta.link && !meta.resolved?.match(/^(git\+|file:)/));
const withResolved = registryEntries.some(([, meta]) => typeof meta.resolved === 'string' && typeof meta.integrity === 'string');
const incomplete = registryEntries.filter(([, meta]) => typeof meta.integrity !== 'string' || (withResolved && typeof meta.resolved !== 'string'));

let failed = 0;
for (let i = 0; i < incomplete.length; i += PARALLEL) {
  await Promise.all(
    incomplete.slice(i, i + PARALLEL).map(async ([key, meta]) => {
      try {
        const dist = await distOf(nameOf(key), meta.version);
        const { version, ...rest } = meta;
        const license = typeof dist.license === 'string' && rest.license === undefined ? { license: dist.license } : {};
        packages[key] = { version, ...(withResolved ? { resolved: dist.tarball } : {}), integrity: dist.integrity, ...license, ...rest };
      } catch (error) {
        failed += 1;
        console.error(`no integrity for ${key}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
}

const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)));
lock.packages = sorted;
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
const completed = incomplete.length - failed;
console.log(
  [
    added.length === 0 ? 'no entry missing' : `added ${added.length}: ${added.join(', ')}`,
    incomplete.length === 0 ? 'every registry entry has its integrity' : `integrity${withResolved ? ' and resolved' : ''} filled in for ${completed}`,
  ].join('; '),
);
if (failed > 0) process.exit(1);
