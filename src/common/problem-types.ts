import type { ErrorCode } from '../profiles/profile.errors.js';
import { PROBLEMS_PATH, problemTypeOf, STATUS_OF } from './problem.js';

/** What a caller needs to know about one problem code: its page at `/problems/<code>`. */
export interface ProblemTypeInfo {
  /** What happened. */
  meaning: string;
  /** Whether sending the same request again can succeed, and when. */
  retry: string;
  /** Which `Retry-After` the answer carries, if any. */
  retryAfter: string;
}

const NO_RETRY_AFTER = 'None.';

/** Every code's explanation: an undocumented code fails to compile. */
export const PROBLEM_TYPES = {
  VALIDATION_ERROR: {
    meaning: 'The `:id` does not satisfy the rule of the source kind, the `by` value is unknown, the URL has malformed percent-encoding, or the upstream rejected the id as malformed. `errors[]` names each field.',
    retry: 'No: the same request fails the same way. Fix the field named in `errors[]`.',
    retryAfter: NO_RETRY_AFTER,
  },
  LOOKUP_NOT_SUPPORTED: {
    meaning: '`by=externalId` was asked of a source whose kind has no lookup by external id.',
    retry: 'No: look the user up by the upstream id instead.',
    retryAfter: NO_RETRY_AFTER,
  },
  UNAUTHORIZED: {
    meaning: 'No `Authorization: Bearer <key>` header, or a key the gateway does not know. The answer carries `WWW-Authenticate: Bearer`.',
    retry: 'Only with a valid gateway API key.',
    retryAfter: NO_RETRY_AFTER,
  },
  FORBIDDEN: {
    meaning: 'The API key is valid but may not read this source (its `sources` list does not cover it).',
    retry: 'No: ask for a key whose scope covers the source.',
    retryAfter: NO_RETRY_AFTER,
  },
  SOURCE_NOT_FOUND: {
    meaning: 'No source of that name is configured on the gateway.',
    retry: 'No: check the `:source` name (a configured name, not an adapter kind).',
    retryAfter: NO_RETRY_AFTER,
  },
  PROFILE_NOT_FOUND: {
    meaning: 'The upstream says the user does not exist. The answer is cached for the source\'s `notFoundTtl`.',
    retry: 'Not before the cached answer expires (see its `Age` and `Cache-Control`), or with `Cache-Control: no-cache` after the user was created.',
    retryAfter: NO_RETRY_AFTER,
  },
  RATE_LIMITED: {
    meaning: 'The API key spent its request budget for the current window (`RateLimit` and `RateLimit-Policy` describe it).',
    retry: 'Yes, once the window resets.',
    retryAfter: 'Seconds until the key\'s window resets.',
  },
  INTERNAL_ERROR: {
    meaning: 'A bug in the gateway. The details are in the gateway log under the `requestId`.',
    retry: 'Perhaps: the same request usually fails again. Report the `requestId`.',
    retryAfter: NO_RETRY_AFTER,
  },
  UPSTREAM_AUTH_FAILED: {
    meaning: 'The upstream rejected the gateway\'s own credentials (its 401 or 403): an operator problem, not the caller\'s.',
    retry: 'Not until an operator fixes the source\'s token.',
    retryAfter: NO_RETRY_AFTER,
  },
  UPSTREAM_BAD_RESPONSE: {
    meaning: 'The upstream answered with a body that is not JSON, has the wrong shape, or is over the size limit. Never cached.',
    retry: 'Perhaps later; the same upstream answer fails the same way.',
    retryAfter: NO_RETRY_AFTER,
  },
  UPSTREAM_ERROR: {
    meaning: 'The upstream failed (5xx, an unexpected status, or a connection failure) after the gateway\'s retries.',
    retry: 'Yes, after a short wait.',
    retryAfter: NO_RETRY_AFTER,
  },
  UPSTREAM_RATE_LIMITED: {
    meaning: 'The upstream keeps answering 429, or the budget it announced is spent.',
    retry: 'Yes, after `Retry-After`.',
    retryAfter: 'Seconds until the upstream\'s announced budget resets, when it said so.',
  },
  UPSTREAM_UNAVAILABLE: {
    meaning: 'The source\'s circuit breaker is open after repeated upstream failures; no call was made.',
    retry: 'Yes, after `Retry-After`.',
    retryAfter: 'Seconds until the circuit lets a trial call through.',
  },
  UPSTREAM_TIMEOUT: {
    meaning: 'The upstream did not answer within the source\'s time budget (retries and waiting included).',
    retry: 'Yes, after a short wait.',
    retryAfter: NO_RETRY_AFTER,
  },
  NOT_CACHED: {
    meaning: '`Cache-Control: only-if-cached` was asked and no usable copy is cached (or `no-cache` was combined with it).',
    retry: 'Only without `only-if-cached`, or once another request has cached the profile.',
    retryAfter: NO_RETRY_AFTER,
  },
  BAD_REQUEST: {
    meaning: 'A malformed request: the request line, a header line, a missing or duplicate `Host`, or conflicting framing (`Content-Length` with `Transfer-Encoding`).',
    retry: 'No: fix the request.',
    retryAfter: NO_RETRY_AFTER,
  },
  NOT_FOUND: {
    meaning: 'No route of the gateway serves this path.',
    retry: 'No: check the path.',
    retryAfter: NO_RETRY_AFTER,
  },
  METHOD_NOT_ALLOWED: {
    meaning: 'The path exists but does not serve this method. `Allow` lists the methods it serves.',
    retry: 'No: use a method named in `Allow`.',
    retryAfter: NO_RETRY_AFTER,
  },
  LOOKUP_AMBIGUOUS: {
    meaning: 'A `by=externalId` lookup matched more than one upstream user.',
    retry: 'No: look the user up by the upstream id.',
    retryAfter: NO_RETRY_AFTER,
  },
  PAYLOAD_TOO_LARGE: {
    meaning: 'The request body is over the route\'s limit.',
    retry: 'No: send a smaller body.',
    retryAfter: NO_RETRY_AFTER,
  },
  UNSUPPORTED_MEDIA_TYPE: {
    meaning: 'The request body is not of a media type the route accepts (`application/json`).',
    retry: 'No: send `Content-Type: application/json`.',
    retryAfter: NO_RETRY_AFTER,
  },
  HEADERS_TOO_LARGE: {
    meaning: 'The request line and headers together are over 16 KiB.',
    retry: 'No: send fewer or shorter headers.',
    retryAfter: NO_RETRY_AFTER,
  },
} as const satisfies Record<ErrorCode, ProblemTypeInfo>;

const CODES = Object.keys(PROBLEM_TYPES) as ErrorCode[];

/** The code whose page is `/problems/<type>`, if any. */
export function codeOfProblemType(type: string): ErrorCode | undefined {
  return CODES.find((code) => problemTypeOf(code) === `${PROBLEMS_PATH}/${type}`);
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Escapes, then renders `code spans` of the explanations. */
function inline(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

function page(title: string, body: string): string {
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>\n` +
    `<body>\n${body}\n</body>\n</html>\n`
  );
}

/** The `text/html` page of one code. */
export function problemTypePage(code: ErrorCode): string {
  const info: ProblemTypeInfo = PROBLEM_TYPES[code];
  return page(
    `${code} — profile-gateway`,
    `<h1><code>${code}</code> (HTTP ${STATUS_OF[code]})</h1>\n` +
      `<p>${inline(info.meaning)}</p>\n` +
      `<dl>\n<dt>Does retrying help?</dt><dd>${inline(info.retry)}</dd>\n<dt><code>Retry-After</code></dt><dd>${inline(info.retryAfter)}</dd>\n</dl>\n` +
      `<p><a href="${PROBLEMS_PATH}">All problem types</a></p>`,
  );
}

/** The `text/html` list of every code. */
export function problemTypeIndexPage(): string {
  const items = CODES.map((code) => `<li><a href="${problemTypeOf(code)}"><code>${code}</code></a> (${STATUS_OF[code]}): ${inline(PROBLEM_TYPES[code].meaning)}</li>`);
  return page('Problem types — profile-gateway', `<h1>Problem types of profile-gateway</h1>\n<ul>\n${items.join('\n')}\n</ul>`);
}
