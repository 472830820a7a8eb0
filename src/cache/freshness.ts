import type { CachePolicy } from '../config/config.types.js';

/** How long a profile entry is worth keeping at all: `ttl + max(staleWhileRevalidate, staleIfError)`. */
export function profileLifetimeMs(policy: CachePolicy): number {
  return policy.ttlMs + Math.max(policy.staleWhileRevalidateMs, policy.staleIfErrorMs);
}

/** How long an entry is worth keeping: a profile for `profileLifetimeMs`, a 404 for `notFoundTtl`. */
export function entryLifetimeMs(entry: { kind: 'profile' | 'not-found' }, policy: CachePolicy): number {
  return entry.kind === 'profile' ? profileLifetimeMs(policy) : policy.notFoundTtlMs;
}

/** The freshness lifetime of an entry: `ttl` for a profile, `notFoundTtl` for a 404. */
export function freshnessLifetimeMs(entry: { kind: 'profile' | 'not-found' }, policy: CachePolicy): number {
  return entry.kind === 'profile' ? policy.ttlMs : policy.notFoundTtlMs;
}

/** `Cache-Control: max-age`: an entry's whole freshness lifetime in whole seconds (contract v2). */
export function maxAgeSeconds(entry: { kind: 'profile' | 'not-found' }, policy: CachePolicy): number {
  return Math.max(0, Math.floor(freshnessLifetimeMs(entry, policy) / 1000));
}

/** `Age`: whole seconds since the gateway fetched the profile (never negative). */
export function ageSeconds(fetchedAtMs: number, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - fetchedAtMs) / 1000));
}

/** Whole seconds a stale profile is past its freshness (for RFC 9211's negative `ttl`). */
export function stalenessSeconds(fetchedAtMs: number, policy: CachePolicy, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - fetchedAtMs - policy.ttlMs) / 1000));
}

/** Redis expiry (`PX`) of a stored entry: at least 1 ms, as Redis refuses 0. */
export function redisTtlMs(entry: { kind: 'profile' | 'not-found' }, policy: CachePolicy): number {
  return Math.max(1, Math.ceil(entryLifetimeMs(entry, policy)));
}
