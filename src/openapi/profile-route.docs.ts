import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags, type HeadersObject } from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import type { DescribedKind } from '../sources/shared/source-factory.js';
import { PROBLEM_SCHEMA_REF, PROFILE_SCHEMA_REF } from './openapi-schemas.js';

export const BEARER_SCHEME = 'gateway-api-key';

/** The profile route's operation id; its HEAD twin is `<id>Head` (see openapi.ts). */
export const PROFILE_OPERATION_ID = 'getProfile';

type ResponseOptions = Parameters<typeof ApiResponse>[0];

export const REQUEST_ID_HEADER: HeadersObject = {
  'X-Request-Id': { description: "The caller's X-Request-Id (1-128 visible ASCII characters) or a generated UUID", schema: { type: 'string' } },
};

export const RATE_LIMIT_HEADERS: HeadersObject = {
  'RateLimit-Policy': {
    description:
      'Only for keys with a `rateLimit` (IETF draft-ietf-httpapi-ratelimit-headers, revision 10 and later): an RFC 8941 List with one ' +
      'item, the key name as a String, with `q` (requests allowed per window) and `w` (window in seconds)',
    schema: { type: 'string', example: '"admin-dashboard";q=600;w=60' },
  },
  RateLimit: {
    description:
      'Only for keys with a `rateLimit`: an RFC 8941 List with one item, the key name as a String, with `r` (requests left in this ' +
      'window) and `t` (seconds until the window resets)',
    schema: { type: 'string', example: '"admin-dashboard";r=599;t=42' },
  },
};

const CACHE_HEADERS: HeadersObject = {
  ETag: {
    description: 'Weak validator (RFC 9110 §8.8.1) over the canonical profile without `meta` and `raw`: a refresh that changes nothing keeps it',
    schema: { type: 'string', example: 'W/"3q2-7w"' },
  },
  'Cache-Control': {
    description: "`private, max-age=<the source's ttl in whole seconds>`: the entry's whole freshness lifetime (the freshness left is max-age - Age)",
    schema: { type: 'string', example: 'private, max-age=300' },
  },
  Age: { description: 'Whole seconds since the gateway fetched this profile from the upstream', schema: { type: 'integer', minimum: 0 } },
  'Cache-Status': {
    description:
      'RFC 9211, cache name `profile-gateway`: `hit; ttl=<s of freshness left>` (fresh hit); `fwd=miss; stored` (miss); ' +
      '`fwd=request; stored` (no-cache, max-age or min-fresh refetch); `hit; ttl=-<s past freshness>` (stale copy while one ' +
      'background refresh runs: stale-while-revalidate, max-stale, only-if-cached); `fwd=stale; fwd-status=<status>; detail=stale-if-error` ' +
      '(the upstream failed with a status); `fwd=stale; detail=stale-if-error` (timeout or network failure); ' +
      '`hit; ttl=-<s>; detail=stale-if-error` (no call made: open circuit, spent upstream budget, full queue). `; collapsed` is added ' +
      "when the answer waited on another request's upstream call.",
    schema: { type: 'string', example: 'profile-gateway; hit; ttl=297' },
  },
};

const NOT_FOUND_CACHE_HEADERS: HeadersObject = {
  'Cache-Status': {
    description: 'For a cached PROFILE_NOT_FOUND: `profile-gateway; hit; ttl=<s left>` from the cache, `profile-gateway; fwd=miss; stored` just fetched',
    schema: { type: 'string', example: 'profile-gateway; fwd=miss; stored' },
  },
  'Cache-Control': {
    description: 'For a cached PROFILE_NOT_FOUND: `private, max-age=<notFoundTtl in seconds>`, the lifetime of a cached 404',
    schema: { type: 'string', example: 'private, max-age=60' },
  },
  Age: { description: 'For a cached PROFILE_NOT_FOUND: whole seconds since the upstream said so', schema: { type: 'integer', minimum: 0 } },
};

export const RETRY_AFTER: HeadersObject = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } };

export const ALLOW_HEADER: HeadersObject = {
  Allow: { description: 'The methods the path serves', schema: { type: 'string', example: 'GET, HEAD' } },
};

/** A problem+json answer with the request id (and, on the profile route, the rate-limit headers). */
export function problemResponse(status: number, description: string, headers: HeadersObject = {}): ResponseOptions {
  return { status, description, headers: { ...REQUEST_ID_HEADER, ...headers }, content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } } };
}

const profileProblem = (status: number, description: string, headers: HeadersObject = {}): ResponseOptions =>
  problemResponse(status, description, { ...RATE_LIMIT_HEADERS, ...headers });

export const CACHE_CONTROL_DESCRIPTION =
  'Caller freshness directives (RFC 9111 §5.2.1), comma-separated and combinable; unknown directives and known ones with a malformed ' +
  'value are ignored. `no-cache`: skip cached copies, fetch from the upstream now and store the result; an upstream failure is ' +
  'returned (no stale fallback). `only-if-cached`: answer only from the cache (fresh, within stale-while-revalidate, or a cached ' +
  '404), otherwise 504 NOT_CACHED; never calls the upstream; with `no-cache` always NOT_CACHED. `max-age=N`: use a cached copy only ' +
  'if it is at most N seconds old, otherwise fetch (coalesced); a failed fetch is returned unless `max-stale` is also given. ' +
  '`min-fresh=N`: use a cached copy only if it stays fresh for at least N more seconds, otherwise as max-age. `max-stale` or ' +
  '`max-stale=N`: accept a copy past its freshness (any copy still kept, or one at most N seconds past freshness), answered at once ' +
  'while one background refresh starts.';

/**
 * OpenAPI description of `GET /profiles/{source}/{id}` (HEAD is the same operation without a body: see openapi.ts).
 * `kinds` are the registry's `kindDescriptions()`: the `id` and `by` prose lists each kind's rules.
 */
export function ProfileRouteDocs(kinds: readonly DescribedKind[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiTags('profiles'),
    ApiBearerAuth(BEARER_SCHEME),
    ApiOperation({
      operationId: PROFILE_OPERATION_ID,
      summary: 'One canonical user profile from a configured source',
      description:
        'Answers from the cache when it can (fresh, or stale while one background refresh runs), otherwise calls the upstream. ' +
        'Caller authentication: `Authorization: Bearer <gateway api key>`; 401 for a missing or unknown key, then 429 when the ' +
        "key's rate limit is spent, then 403 when the key may not read this source name, then 404 SOURCE_NOT_FOUND for an unknown " +
        'source. `HEAD` answers the same status and headers without a body.',
    }),
    ApiParam({
      name: 'source',
      description: 'A configured source name (`[a-z0-9][a-z0-9-]{0,62}`), not an adapter kind',
      schema: { type: 'string' },
      example: 'crm-usertour',
    }),
    ApiParam({
      name: 'id',
      description:
        "The upstream's own id of the user, URL-encoded (it may contain `/`, spaces, unicode). Rules per kind: " +
        kinds
          .map(({ kind, description }) => `${kind} ${description.idRule}${description.externalIdRule ? ` (with by=externalId ${description.externalIdRule})` : ''}`)
          .join('; ') +
        '. Never control characters. A bad id is 400 VALIDATION_ERROR before any cache or upstream access.',
      schema: { type: 'string' },
      example: 'usr_123456789',
    }),
    ApiQuery({
      name: 'by',
      required: false,
      schema: { type: 'string', enum: ['id', 'externalId'], default: 'id' },
      description:
        "`externalId`: look the user up by the customer's own identifier (kinds " +
        kinds
          .filter(({ description }) => description.externalIdRule !== undefined)
          .map(({ kind }) => kind)
          .join(', ') +
        '; other kinds answer 400 LOOKUP_NOT_SUPPORTED); any other value is 400 VALIDATION_ERROR',
    }),
    ApiQuery({
      name: 'include',
      required: false,
      style: 'form',
      explode: true,
      schema: { type: 'array', items: { type: 'string', example: 'raw' } },
      description:
        'Extras to add, repeated (`include=raw&include=x`) or comma-separated (`include=raw,x`). `raw`: add `raw`, the upstream JSON ' +
        'body exactly as received. Other values are ignored.',
    }),
    ApiHeader({ name: 'Cache-Control', required: false, description: CACHE_CONTROL_DESCRIPTION, schema: { type: 'string', example: 'max-age=60, max-stale=30' } }),
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: "304 with no body when it matches the profile's current ETag (weak comparison; `*` matches)",
      schema: { type: 'string' },
    }),
    ApiHeader({
      name: 'X-Request-Id',
      required: false,
      description: 'Correlation id (1-128 visible ASCII characters); a UUID is generated otherwise',
      schema: { type: 'string' },
    }),
    ApiProduces('application/json', PROBLEM_CONTENT_TYPE),
    ApiResponse({
      status: 200,
      description: 'The canonical profile',
      headers: { ...REQUEST_ID_HEADER, ...CACHE_HEADERS, ...RATE_LIMIT_HEADERS },
      content: { 'application/json': { schema: { $ref: PROFILE_SCHEMA_REF } } },
    }),
    ApiResponse({ status: 304, description: 'If-None-Match matched the current ETag (no body)', headers: { ...REQUEST_ID_HEADER, ...CACHE_HEADERS, ...RATE_LIMIT_HEADERS } }),
    ApiResponse(
      profileProblem(
        400,
        'VALIDATION_ERROR (bad id for the kind, bad `by`, malformed percent-encoding, id rejected by the upstream), LOOKUP_NOT_SUPPORTED, ' +
          'or BAD_REQUEST (malformed request line or header, missing or duplicate Host, Content-Length with Transfer-Encoding)',
      ),
    ),
    ApiResponse(
      profileProblem(401, 'UNAUTHORIZED: missing or unknown gateway API key', {
        'WWW-Authenticate': { description: 'Bearer challenge', schema: { type: 'string', example: 'Bearer realm="profile-gateway"' } },
      }),
    ),
    ApiResponse(profileProblem(403, 'FORBIDDEN: the key may not read this source')),
    ApiResponse(
      profileProblem(
        404,
        'SOURCE_NOT_FOUND (no configured source of that name) or PROFILE_NOT_FOUND (the upstream says the user does not exist; cached ' +
          'for notFoundTtl, with Cache-Status, Cache-Control and Age)',
        NOT_FOUND_CACHE_HEADERS,
      ),
    ),
    ApiResponse(profileProblem(409, 'LOOKUP_AMBIGUOUS: a by=externalId lookup matched more than one upstream user')),
    ApiResponse(profileProblem(429, "RATE_LIMITED: the key's rate limit is spent", RETRY_AFTER)),
    ApiResponse(profileProblem(500, 'INTERNAL_ERROR: a bug; details only in the log under the request id')),
    ApiResponse(profileProblem(502, 'UPSTREAM_AUTH_FAILED, UPSTREAM_BAD_RESPONSE or UPSTREAM_ERROR')),
    ApiResponse(profileProblem(503, 'UPSTREAM_RATE_LIMITED or UPSTREAM_UNAVAILABLE (circuit open)', RETRY_AFTER)),
    ApiResponse(profileProblem(504, 'UPSTREAM_TIMEOUT, or NOT_CACHED for only-if-cached')),
  );
}
