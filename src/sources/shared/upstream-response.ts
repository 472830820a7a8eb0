import secureJson from 'secure-json-parse';

import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamRejectedIdError,
} from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import { exceedsJsonDepth, JsonTooDeepError, MAX_JSON_DEPTH } from './json-depth.js';
import type { NotFoundRule, RawUpstreamResponse, UpstreamJson } from './upstream-http.contract.js';

/**
 * Parses a JSON body so that `__proto__` and `constructor.prototype` keys cannot pollute objects, and so that every
 * later step that recurses over it (schema check, mapper, ETag, serialization) stays within the stack.
 * @throws JsonTooDeepError for a body nested deeper than `MAX_JSON_DEPTH` levels
 */
export function parseJsonSafely(text: string): JsonValue {
  const value = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as JsonValue;
  if (exceedsJsonDepth(value, MAX_JSON_DEPTH)) throw new JsonTooDeepError(MAX_JSON_DEPTH);
  return value;
}

/** Seconds from a `Retry-After` header (delta seconds or an HTTP date), if usable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}

/**
 * Turns one upstream answer into the JSON body or a domain error (contract section 4):
 * 2xx JSON → body; 400 → the id was rejected; 401/403 → our credentials; 404 → not found (when the body says so);
 * 429 → rate limited; anything else → `UPSTREAM_ERROR`.
 */
export function classifyResponse(source: string, response: RawUpstreamResponse, notFound: NotFoundRule, nowMs: number): UpstreamJson {
  const { status } = response;
  // Parsed only where it is read: a success, and a 404 whose body says whether the profile exists.
  const parsed = (): { body?: JsonValue | undefined; parseError?: unknown } => {
    try {
      return { body: parseJsonSafely(response.text) };
    } catch (error) {
      return { parseError: error };
    }
  };
  if (status >= 200 && status < 300) {
    const { body, parseError } = parsed();
    if (parseError !== undefined || body === undefined) {
      const reason = parseError instanceof JsonTooDeepError ? parseError.message : 'body is not JSON';
      throw new UpstreamBadResponseError(source, reason, status, { cause: parseError });
    }
    return { status, headers: response.headers, body };
  }
  switch (status) {
    case 400:
      throw new UpstreamRejectedIdError(source, notFound.id);
    case 401:
    case 403:
      throw new UpstreamAuthFailedError(source, status);
    case 404:
      if (notFound.isProfileNotFound(parsed().body)) throw new ProfileNotFoundError(source, notFound.id);
      throw new UpstreamFailureError(source, 'upstream answered 404 for the route (check baseUrl)', status);
    case 429:
      throw new UpstreamRateLimitedError(source, parseRetryAfter(response.headers['retry-after'], nowMs), status);
    default:
      throw new UpstreamFailureError(source, `upstream answered ${status}`, status);
  }
}
