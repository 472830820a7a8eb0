import type { CachePolicy } from '../config/config.types.js';
import { freshnessLifetimeMs } from './freshness.js';

/**
 * The request's `Cache-Control` directives the cache honours (contract section 1, RFC 9111 §5.2.1). Absent fields are
 * directives the request did not give.
 */
export interface CacheDirectives {
  readonly noCache?: boolean;
  readonly onlyIfCached?: boolean;
  /** `max-age=N`: a copy at most N seconds old. */
  readonly maxAgeSeconds?: number;
  /** `min-fresh=N`: a copy that stays fresh for at least N more seconds. */
  readonly minFreshSeconds?: number;
  /** `max-stale=N`: a copy at most N seconds past its freshness; `Infinity` for `max-stale` without a value. */
  readonly maxStaleSeconds?: number;
}

/** Why a stale copy is answered at once. */
export type StaleReason = 'stale-while-revalidate' | 'max-stale' | 'only-if-cached';

/**
 * What to do with a lookup:
 * - `hit`: answer the cached entry (a profile or a 404), `ttlSeconds` of freshness left;
 * - `stale`: answer the stale profile at once, and start one background refresh when `revalidate`;
 * - `fetch`: call the upstream (`fwd` as in RFC 9211); when it fails, the stale copy may stand in until
 *   `staleFallbackUntilMs` (undefined: no fallback);
 * - `not-cached`: `only-if-cached` and nothing usable.
 */
export type FreshnessDecision =
  | { readonly kind: 'hit'; readonly ttlSeconds: number }
  | { readonly kind: 'stale'; readonly staleSeconds: number; readonly reason: StaleReason; readonly revalidate: boolean }
  | { readonly kind: 'fetch'; readonly fwd: 'miss' | 'request'; readonly staleFallbackUntilMs: number | undefined }
  | { readonly kind: 'not-cached' };

/** The part of an entry the decision looks at. */
export interface EntryTimes {
  readonly kind: 'profile' | 'not-found';
  readonly fetchedAtMs: number;
}

/**
 * The freshness decision, pure: from the entry's times, the source's policy, the time and the request's directives.
 * Without directives: fresh → hit; within `staleWhileRevalidate` → stale with a refresh; else fetch, with the copy
 * as a stale-if-error fallback within `ttl + staleIfError`. `max-age` / `min-fresh` refuse copies that are too old or
 * too close to stale (and every stale copy, RFC 9111 §5.2.1.1), with no fallback unless `max-stale` is also given.
 * `max-stale` accepts a stale copy at once (within N seconds past freshness, or any kept copy) and caps every stale
 * answer at N. `only-if-cached` never fetches; with `no-cache` it can never be satisfied.
 */
export function decideFreshness(entry: EntryTimes | undefined, policy: CachePolicy, nowMs: number, directives: CacheDirectives): FreshnessDecision {
  const { onlyIfCached = false, noCache = false, maxAgeSeconds, minFreshSeconds, maxStaleSeconds } = directives;
  if (noCache) return onlyIfCached ? { kind: 'not-cached' } : { kind: 'fetch', fwd: 'request', staleFallbackUntilMs: undefined };
  const leftMs = entry ? entry.fetchedAtMs + freshnessLifetimeMs(entry, policy) - nowMs : 0;
  // A 404 is kept only while fresh: once past it, it is no entry at all.
  if (!entry || (entry.kind === 'not-found' && leftMs <= 0)) return onlyIfCached ? { kind: 'not-cached' } : { kind: 'fetch', fwd: 'miss', staleFallbackUntilMs: undefined };

  const constrained = maxAgeSeconds !== undefined || minFreshSeconds !== undefined;
  const ageOk = maxAgeSeconds === undefined || nowMs - entry.fetchedAtMs <= maxAgeSeconds * 1000;
  /** The most a stale answer may be past freshness: the caller's `max-stale`, none with `max-age`/`min-fresh` alone. */
  const staleLimitMs = maxStaleSeconds !== undefined ? maxStaleSeconds * 1000 : constrained ? -1 : Number.POSITIVE_INFINITY;
  let usableByDefault: boolean;
  if (leftMs > 0) {
    if (ageOk && (minFreshSeconds === undefined || leftMs >= minFreshSeconds * 1000)) return { kind: 'hit', ttlSeconds: Math.floor(leftMs / 1000) };
    usableByDefault = true;
  } else {
    const staleMs = Math.max(0, -leftMs);
    const staleSeconds = Math.floor(staleMs / 1000);
    const revalidate = !onlyIfCached;
    const kept = staleMs < Math.max(policy.staleWhileRevalidateMs, policy.staleIfErrorMs);
    if (maxStaleSeconds !== undefined && kept && staleMs <= staleLimitMs && ageOk && minFreshSeconds === undefined) {
      return { kind: 'stale', staleSeconds, reason: 'max-stale', revalidate };
    }
    usableByDefault = staleMs < policy.staleWhileRevalidateMs;
    if (usableByDefault && !constrained && staleMs <= staleLimitMs) {
      return { kind: 'stale', staleSeconds, reason: onlyIfCached ? 'only-if-cached' : 'stale-while-revalidate', revalidate };
    }
  }
  if (onlyIfCached) return { kind: 'not-cached' };
  const fallbackAllowed = entry.kind === 'profile' && (!constrained || maxStaleSeconds !== undefined);
  const staleFallbackUntilMs = fallbackAllowed
    ? entry.fetchedAtMs + policy.ttlMs + Math.min(policy.staleIfErrorMs, maxStaleSeconds === undefined ? Number.POSITIVE_INFINITY : maxStaleSeconds * 1000)
    : undefined;
  return { kind: 'fetch', fwd: usableByDefault ? 'request' : 'miss', staleFallbackUntilMs };
}
