import type { SOURCE_FACTORIES } from '../sources/source-registry.js';

/**
 * Every adapter kind the gateway knows: the keys of the registry (`sources/source-registry.ts`), the only list of kinds.
 * A type-only import, so the domain has no runtime dependency on the adapters; the runtime list is `ADAPTER_KINDS` there.
 */
export type AdapterKind = keyof typeof SOURCE_FACTORIES;
