/** Every adapter kind the gateway knows. Add a kind here, then register its factory in `sources/source-registry.ts`. */
export const ADAPTER_KINDS = ['vemetric', 'scalepad-amm', 'usertour', 'org-directory'] as const;

export type AdapterKind = (typeof ADAPTER_KINDS)[number];

export function isAdapterKind(value: unknown): value is AdapterKind {
  return typeof value === 'string' && (ADAPTER_KINDS as readonly string[]).includes(value);
}
