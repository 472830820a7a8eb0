import type { LookupBy } from '../profiles/profile-source.port.js';

/**
 * Version of the cached entry shape. Bump it whenever the canonical profile or the entry envelope changes,
 * so a deployment never reads entries written in an older shape: they are simply never looked up again
 * and expire with their Redis TTL. v2: weak ETags in the entries, and short leases extended by a heartbeat.
 */
export const CACHE_SHAPE_VERSION = 'v2';

/** What identifies one cached profile: the configured source, the lookup kind and the caller's id. */
export interface ProfileKeyParts {
  source: string;
  by: LookupBy;
  id: string;
}

/**
 * The Redis (and memory tier) key of one profile: `<keyPrefix>:profile:v2:<source>:<by>:<id>`.
 * The id is URI-encoded so `:` and other separators inside it can never collide with another key.
 */
export function profileCacheKey(keyPrefix: string, parts: ProfileKeyParts): string {
  return `${keyPrefix}:profile:${CACHE_SHAPE_VERSION}:${parts.source}:${parts.by}:${encodeURIComponent(parts.id)}`;
}

/**
 * The lease that lets one instance of the fleet call the upstream for a profile while the others wait for the entry
 * it stores: `<keyPrefix>:lease:v2:<source>:<by>:<id>`. Every Redis operation of the cache touches one key, so the
 * lease and its entry need not share a Redis Cluster slot (no hash tag).
 */
export function profileLeaseKey(keyPrefix: string, parts: ProfileKeyParts): string {
  return `${keyPrefix}:lease:${CACHE_SHAPE_VERSION}:${parts.source}:${parts.by}:${encodeURIComponent(parts.id)}`;
}

/** Pub/sub channel on which instances announce stored entries, so others drop older memory copies. */
export function invalidationChannel(keyPrefix: string): string {
  return `${keyPrefix}:invalidate`;
}
