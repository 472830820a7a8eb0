import { readdirSync } from 'node:fs';

import type { SandboxKind } from './sandbox-kind.js';

/** Module path of a kind's sandbox, relative to this file. */
export function sandboxModulePath(kind: string): string {
  return `./kinds/${kind}/${kind}.sandbox.js`;
}

/**
 * The folders under `sandbox/kinds/`, in alphabetical order: one per kind. Read from the disk, not from the registry:
 * the sandbox image ships the fake upstreams without `src/` (a lint rule keeps them standalone). That every registered
 * kind has a folder, and every folder a registered kind, is checked by the tests (test/e2e/demo.e2e-spec.ts).
 */
export function sandboxKindNames(): string[] {
  return readdirSync(new URL('./kinds/', import.meta.url), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

/**
 * The sandbox of every kind, in alphabetical order: `sandbox/kinds/<kind>/<kind>.sandbox.ts` exporting `sandbox`.
 * @throws Error naming the file when a kind folder has no sandbox, or exports one of another kind
 */
export async function loadSandboxKinds(): Promise<SandboxKind[]> {
  return Promise.all(
    sandboxKindNames().map(async (kind) => {
      const path = sandboxModulePath(kind);
      let module: { sandbox?: SandboxKind };
      try {
        module = (await import(path)) as { sandbox?: SandboxKind };
      } catch (error) {
        throw new Error(`kind ${kind} has no sandbox: expected sandbox/kinds/${kind}/${kind}.sandbox.ts exporting \`sandbox\``, { cause: error });
      }
      if (module.sandbox?.kind !== kind) throw new Error(`sandbox/kinds/${kind}/${kind}.sandbox.ts must export the SandboxKind of kind ${kind} as \`sandbox\``);
      return module.sandbox;
    }),
  );
}
