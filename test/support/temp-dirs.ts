import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll } from '@jest/globals';

const created = new Set<string>();

/**
 * A new directory under the system temp dir (`<prefix>XXXXXX`), removed after the test file's last test, also when a
 * test failed: importing this module registers the `afterAll` that removes every directory it made.
 */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  created.add(dir);
  return dir;
}

/** Removes one directory made by `tempDir` now (and forgets it). */
export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  created.delete(dir);
}

/** Removes every directory made by `tempDir` so far. */
export function removeTempDirs(): void {
  for (const dir of created) rmSync(dir, { recursive: true, force: true });
  created.clear();
}

afterAll(removeTempDirs);
