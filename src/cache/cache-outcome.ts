import type { StaleReason } from './freshness-decision.js';

/** RFC 9211 cache name of the gateway. */
const CACHE_NAME = 'profile-gateway';

/**
 * What the cache did for one lookup, as a typed value: the `Cache-Status` header, the request log, the metrics labels
 * and the warmer are all derived from it.
 * - `hit`: a fresh entry (`notFound`: a cached 404), `ttlSeconds` of freshness left;
 * - `stale`: a stale profile answered at once (with one background refresh unless `only-if-cached`);
 * - `fetched`: the upstream was called (`fwd=miss` or `fwd=request`) and its answer stored (`notFound`: a 404);
 *   `collapsed` when the lookup waited on another request's call; `notStored` when a purge during the call kept its
 *   answer out of the cache (the answer then has no `stored`);
 * - `stale-if-error`: the upstream call failed and the stale copy stands in. `forwarded` is false when no call was
 *   made (open circuit, spent upstream budget, full queue); `upstreamStatus` when the upstream answered a status;
 * - `not-cached`: `only-if-cached` with nothing usable (an error answer);
 * - `failed`: the upstream call failed with no stale copy to stand in (an error answer).
 */
export type CacheOutcome =
  | { readonly kind: 'hit'; readonly ttlSeconds: number; readonly notFound: boolean }
  | { readonly kind: 'stale'; readonly staleSeconds: number; readonly reason: StaleReason }
  | { readonly kind: 'fetched'; readonly fwd: 'miss' | 'request'; readonly collapsed: boolean; readonly notFound: boolean; readonly notStored?: true }
  | {
      readonly kind: 'stale-if-error';
      readonly staleSeconds: number;
      readonly forwarded: boolean;
      readonly upstreamStatus: number | undefined;
      readonly collapsed: boolean;
    }
  | { readonly kind: 'not-cached' }
  | { readonly kind: 'failed'; readonly fwd: 'miss' | 'request'; readonly collapsed: boolean };

/** The outcomes that answer with an entry (a profile or a cached 404), and so carry `Cache-Status`. */
export type ServedOutcome = Exclude<CacheOutcome, { kind: 'not-cached' } | { kind: 'failed' }>;

/** The bounded `cache` / `outcome` label of an outcome in the metrics. */
export type CacheLabel =
  | 'hit'
  | 'negative-hit'
  | 'miss'
  | 'refresh'
  | 'stale-while-revalidate'
  | 'max-stale'
  | 'stale-hit'
  | 'stale-if-error'
  | 'not-cached';

export function cacheLabelOf(outcome: CacheOutcome): CacheLabel {
  switch (outcome.kind) {
    case 'hit':
      return outcome.notFound ? 'negative-hit' : 'hit';
    case 'stale':
      return outcome.reason === 'only-if-cached' ? 'stale-hit' : outcome.reason;
    case 'fetched':
    case 'failed':
      return outcome.fwd === 'miss' ? 'miss' : 'refresh';
    case 'stale-if-error':
      return 'stale-if-error';
    case 'not-cached':
      return 'not-cached';
  }
}

/** Whether the lookup waited on another request's upstream call. */
export function isCollapsed(outcome: CacheOutcome): boolean {
  return 'collapsed' in outcome && outcome.collapsed;
}

/**
 * The `Cache-Status` value of an answer (contract v2, section 1): `hit` only when nothing was forwarded for this
 * request, `fwd` only when something was, `fwd-status` only when the upstream answered with a status.
 */
export function cacheStatusOf(outcome: ServedOutcome): string {
  switch (outcome.kind) {
    case 'hit':
      return `${CACHE_NAME}; hit; ttl=${outcome.ttlSeconds}`;
    case 'stale':
      return `${CACHE_NAME}; hit; ttl=${negative(outcome.staleSeconds)}`;
    case 'fetched':
      return withCollapsed(`${CACHE_NAME}; fwd=${outcome.fwd}${outcome.notStored ? '' : '; stored'}`, outcome.collapsed);
    case 'stale-if-error': {
      if (!outcome.forwarded) return `${CACHE_NAME}; hit; ttl=${negative(outcome.staleSeconds)}; detail=stale-if-error`;
      const status = outcome.upstreamStatus === undefined ? '' : `; fwd-status=${outcome.upstreamStatus}`;
      return withCollapsed(`${CACHE_NAME}; fwd=stale${status}; detail=stale-if-error`, outcome.collapsed);
    }
  }
}

/** RFC 9211's negative `ttl` of a stale answer (`0` rather than `-0` right at the end of freshness). */
function negative(seconds: number): number {
  return seconds === 0 ? 0 : -seconds;
}

function withCollapsed(value: string, collapsed: boolean): string {
  return collapsed ? `${value}; collapsed` : value;
}
