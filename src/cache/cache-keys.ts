import type { LookupBy } from '../profiles/profile-source.port.js';

/**
 * Version of the cached entry shape. Bump it whenever the canonical profile or the entry envelope changes,
 * so a deployment never reads entries written in an older shape: they are simply never looked up again
 * and expire with their Redis TTL. v2: weak ETags in the entries, and short leases extended by a heartbeat.
 * v3: a per-source generation in the entry and lease keys, and purge tombstones in the entry keys.
 */
export const CACHE_SHAPE_VERSION = 'v3';

/** What identifies one cached profile: the configured source, the lookup kind and the caller's id. */
export interface ProfileKeyParts {
  source: string;
  by: LookupBy;
  id: string;
}

/**
 * The Redis (and memory tier) key of one profile: `<keyPrefix>:profile:v3:<source>:g<generation>:<by>:<id>`.
 * `generation` is the source's purge generation (`sourceGenerationKey`): a source purge increments it, so every
 * older entry of the source is never looked up again. The id is URI-encoded so `:` and other separators inside it
 * can never collide with another key.
 */
export function profileCacheKey(keyPrefix: string, parts: ProfileKeyParts, generation = 0): string {
  return `${keyPrefix}:profile:${CACHE_SHAPE_VERSION}:${parts.source}:g${generation}:${parts.by}:${encodeURIComponent(parts.id)}`;
}

/** What every entry key of a source starts with, whatever its generation. */
export function sourceKeyPrefix(keyPrefix: string, source: string): string {
  return `${keyPrefix}:profile:${CACHE_SHAPE_VERSION}:${source}:g`;
}

/**
 * The lease that lets one instance of the fleet call the upstream for a profile while the others wait for the entry
 * it stores: `<keyPrefix>:lease:v3:<source>:g<generation>:<by>:<id>`. Every Redis operation of the cache touches one
 * key, so the lease and its entry need not share a Redis Cluster slot (no hash tag).
 */
export function profileLeaseKey(keyPrefix: string, parts: ProfileKeyParts, generation = 0): string {
  return `${keyPrefix}:lease:${CACHE_SHAPE_VERSION}:${parts.source}:g${generation}:${parts.by}:${encodeURIComponent(parts.id)}`;
}

/**
 * The purge generation of a source: `<keyPrefix>:generation:<source>`, an integer that `INCR` raises on each source
 * purge (absent: 0). One key per source, without an expiry, on whatever Redis Cluster slot it hashes to: no command
 * touches it together with another key.
 */
export function sourceGenerationKey(keyPrefix: string, source: string): string {
  return `${keyPrefix}:generation:${source}`;
}

/** Pub/sub channel on which instances announce stored entries, purges and new generations. */
export function invalidationChannel(keyPrefix: string): string {
  return `${keyPrefix}:invalidate`;
}
