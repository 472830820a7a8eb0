import type { CacheDirectives } from '../cache/index.js';

/** RFC 9111 §1.2.2: a delta-seconds value larger than this is read as this. */
const MAX_DELTA_SECONDS = 2_147_483_648;

/** `1*DIGIT`, also in the quoted-string form recipients should accept (RFC 9111 §5.2). */
function deltaSeconds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const digits = /^"(\d+)"$/.exec(value)?.[1] ?? (/^\d+$/.test(value) ? value : undefined);
  return digits === undefined ? undefined : Math.min(Number(digits), MAX_DELTA_SECONDS);
}

/**
 * The request's `Cache-Control` directives that the gateway honours (contract section 1): `no-cache`,
 * `only-if-cached`, `max-age=N`, `min-fresh=N` and `max-stale[=N]`, in any combination. Names are case-insensitive.
 * A known directive with a malformed value (`max-age=soon`, `max-age` without a value, `no-cache=1`) is ignored, as
 * an unknown one is; of a directive given twice, the first well-formed one counts. What the combinations mean is
 * decided by the cache (`decideFreshness`).
 */
export function cacheDirectivesOf(header: string | string[] | undefined): CacheDirectives {
  if (header === undefined) return {};
  const directives: { -readonly [K in keyof CacheDirectives]: CacheDirectives[K] } = {};
  for (const part of (Array.isArray(header) ? header.join(',') : header).split(',')) {
    const equals = part.indexOf('=');
    const name = (equals === -1 ? part : part.slice(0, equals)).trim().toLowerCase();
    const value = equals === -1 ? undefined : part.slice(equals + 1).trim();
    switch (name) {
      case 'no-cache':
        if (value === undefined) directives.noCache = true;
        break;
      case 'only-if-cached':
        if (value === undefined) directives.onlyIfCached = true;
        break;
      case 'max-age':
        directives.maxAgeSeconds ??= deltaSeconds(value);
        break;
      case 'min-fresh':
        directives.minFreshSeconds ??= deltaSeconds(value);
        break;
      case 'max-stale':
        directives.maxStaleSeconds ??= value === undefined ? Number.POSITIVE_INFINITY : deltaSeconds(value);
        break;
    }
  }
  // A malformed value leaves its field undefined: drop it, as if the directive had not been sent.
  for (const name of Object.keys(directives) as Array<keyof CacheDirectives>) if (directives[name] === undefined) delete directives[name];
  return directives;
}
