#!/usr/bin/env node
// Runs the whole test suite: build (e2e tests spawn dist/), then Jest with ES module support.
// NestJS 12 packages are ES modules, which Jest can load only on Node >= 24.9 with --experimental-vm-modules.
// The `node` devDependency provides such a Node, so this works the same where the system Node is 20 or 24.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function atLeast(version, major, minor) {
  const [a, b] = version.replace(/^v/, '').split('.').map(Number);
  return a > major || (a === major && b >= minor);
}

function node24() {
  if (atLeast(process.version, 24, 9)) return process.execPath;
  const local = path.join(root, 'node_modules', 'node', 'bin', 'node');
  if (existsSync(local)) return local;
  console.error('Jest needs Node >= 24.9 for ES modules; run `npm ci` to install the bundled Node 24.');
  process.exit(1);
}

const node = node24();
const args = process.argv.slice(2);
if (!process.env.SKIP_BUILD) {
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(node, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const summaryDir = mkdtempSync(path.join(tmpdir(), 'pgw-jest-'));
const summaryFile = path.join(summaryDir, 'results.json');
const result = spawnSync(node, ['--experimental-vm-modules', '--no-warnings=ExperimentalWarning', jest, '--json', `--outputFile=${summaryFile}`, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
// One plain closing line for CI: "tests: N passed, N failed, N skipped".
if (existsSync(summaryFile)) {
  const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
  console.log(`tests: ${summary.numPassedTests} passed, ${summary.numFailedTests} failed, ${summary.numPendingTests + summary.numTodoTests} skipped`);
}
rmSync(summaryDir, { recursive: true, force: true });
process.exit(result.status ?? 1);
