/**
 * The name of an adapter kind (`vemetric`, `scim`, …).
 *
 * The domain does not list the kinds: the registry (`sources/source-registry.ts`) owns the only list, so adding a
 * kind is its folder plus one line there. A value of this type names a registered kind: the configuration loader
 * accepts only the kinds the registry hands it (`loadConfig({ kinds: ADAPTER_KINDS, … })`). Code above the domain
 * that needs the literal union uses the registry's `RegisteredKind`.
 */
export type AdapterKind = string;
