import type { CacheDirective } from '../cache/profile-cache.js';

/**
 * The request's `Cache-Control` directives that the gateway honours (contract section 1): `no-cache` refreshes from the
 * upstream now; `only-if-cached` never calls the upstream. Both at once cannot be satisfied together: `only-if-cached`
 * wins, since "never calls the upstream" is the stronger promise, and as no cached copy may be used the answer is
 * always `NOT_CACHED` (`unsatisfiable`).
 * Other directives (`max-age`, `no-store`, …) are ignored.
 */
export type RequestDirective = CacheDirective | 'unsatisfiable';

export function cacheDirectiveOf(header: string | string[] | undefined): RequestDirective {
  if (header === undefined) return 'default';
  const tokens = (Array.isArray(header) ? header.join(',') : header)
    .split(',')
    .map((t) => t.trim().toLowerCase().split('=')[0]);
  if (tokens.includes('only-if-cached')) return tokens.includes('no-cache') ? 'unsatisfiable' : 'only-if-cached';
  if (tokens.includes('no-cache')) return 'no-cache';
  return 'default';
}
