import { ADAPTER_KINDS } from '../src/sources/source-registry.js';
import type { SandboxKind } from './sandbox-kind.js';

/** Module path of a kind's sandbox, relative to this file. */
export function sandboxModulePath(kind: string): string {
  return `./kinds/${kind}/${kind}.sandbox.js`;
}

/**
 * The sandbox of every registered kind, in registry order: `sandbox/kinds/<kind>/<kind>.sandbox.ts` exporting `sandbox`.
 * @throws Error naming the file when a registered kind has no sandbox, or exports one of another kind
 */
export async function loadSandboxKinds(): Promise<SandboxKind[]> {
  return Promise.all(
    ADAPTER_KINDS.map(async (kind) => {
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
