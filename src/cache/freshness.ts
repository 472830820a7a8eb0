import type { CachePolicy } from '../config/config.types.js';

/**
 * Where a cached profile stands for a policy at a moment (contract section 5):
 * - `fresh`: younger than `ttl`, served as a hit;
 * - `stale-while-revalidate`: within `ttl + staleWhileRevalidate`, served at once while one refresh runs;
 * - `stale-if-error`: within `ttl + staleIfError`, served only when the upstream fails;
 * - `expired`: of no use.
 */
export type ProfileFreshness = 'fresh' | 'stale-while-revalidate' | 'stale-if-error' | 'expired';

export function profileFreshness(fetchedAtMs: number, policy: CachePolicy, nowMs: number): ProfileFreshness {
  const age = nowMs - fetchedAtMs;
  if (age < policy.ttlMs) return 'fresh';
  if (age < policy.ttlMs + policy.staleWhileRevalidateMs) return 'stale-while-revalidate';
  if (age < policy.ttlMs + policy.staleIfErrorMs) return 'stale-if-error';
  return 'expired';
}

/** Whether a stale copy may stand in for a failed upstream call (younger than `ttl + staleIfError`). */
export function withinStaleIfError(fetchedAtMs: number, policy: CachePolicy, nowMs: number): boolean {
  return nowMs - fetchedAtMs < policy.ttlMs + policy.staleIfErrorMs;
}

/** Whether a cached "not found" still answers (younger than `notFoundTtl`). */
export function notFoundIsFresh(fetchedAtMs: number, policy: CachePolicy, nowMs: number): boolean {
  return nowMs - fetchedAtMs < policy.notFoundTtlMs;
}

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

/** The RFC 9211 `ttl` of a fresh profile: whole seconds of freshness left, 0 once stale. */
export function freshnessLeftSeconds(fetchedAtMs: number, policy: CachePolicy, nowMs: number): number {
  return Math.max(0, Math.floor((fetchedAtMs + policy.ttlMs - nowMs) / 1000));
}

/** Whole seconds a stale profile is past its freshness (for RFC 9211's negative `ttl`). */
export function stalenessSeconds(fetchedAtMs: number, policy: CachePolicy, nowMs: number): number {
  return Math.max(0, Math.floor((nowMs - fetchedAtMs - policy.ttlMs) / 1000));
}

/** Redis expiry (`PX`) of a stored entry: at least 1 ms, as Redis refuses 0. */
export function redisTtlMs(entry: { kind: 'profile' | 'not-found' }, policy: CachePolicy): number {
  return Math.max(1, Math.ceil(entryLifetimeMs(entry, policy)));
}
