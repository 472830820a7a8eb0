import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags, type HeadersObject } from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import { kindDescriptions } from '../sources/source-registry.js';
import { PROBLEM_SCHEMA_REF, PROFILE_SCHEMA_REF } from './openapi-schemas.js';

export const BEARER_SCHEME = 'gateway-api-key';

const REQUEST_ID_HEADER: HeadersObject = {
  'X-Request-Id': { description: "The caller's X-Request-Id (1-128 visible ASCII characters) or a generated UUID", schema: { type: 'string' } },
};

const RATE_LIMIT_HEADERS: HeadersObject = {
  'RateLimit-Limit': { description: 'Only for keys with a rateLimit: requests allowed per window', schema: { type: 'integer' } },
  'RateLimit-Remaining': { description: 'Only for keys with a rateLimit: requests left in the current window', schema: { type: 'integer' } },
  'RateLimit-Reset': { description: 'Only for keys with a rateLimit: seconds until the window resets', schema: { type: 'integer' } },
  'RateLimit-Policy': { description: 'Only for keys with a rateLimit: `<limit>;w=<window seconds>`', schema: { type: 'string', example: '600;w=60' } },
};

const CACHE_HEADERS: HeadersObject = {
  ETag: { description: 'Strong validator over the canonical profile without meta and raw', schema: { type: 'string', example: '"3q2-7w"' } },
  'Cache-Control': { description: '`private, max-age=<whole seconds of freshness left>`', schema: { type: 'string', example: 'private, max-age=297' } },
  Age: { description: 'Whole seconds since the gateway fetched this profile from the upstream', schema: { type: 'integer' } },
  'Cache-Status': {
    description:
      'RFC 9211, cache name `profile-gateway`: `hit; ttl=<s>`, `fwd=miss; stored`, `fwd=request; stored` (no-cache), ' +
      '`hit; fwd=stale; detail=stale-while-revalidate`, `fwd=stale; fwd-status=<status>; detail=stale-if-error`; `; collapsed` when the ' +
      "answer waited on another request's upstream call",
    schema: { type: 'string', example: 'profile-gateway; hit; ttl=297' },
  },
};

const problem = (status: number, description: string, headers: HeadersObject = {}): Parameters<typeof ApiResponse>[0] => ({
  status,
  description,
  headers: { ...REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS, ...headers },
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } },
});

const RETRY_AFTER: HeadersObject = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } };

/** OpenAPI description of `GET /profiles/{source}/{id}`. */
export function ProfileRouteDocs(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiTags('profiles'),
    ApiBearerAuth(BEARER_SCHEME),
    ApiOperation({
      summary: 'One canonical user profile from a configured source',
      description:
        'Answers from the cache when it can (fresh, or stale while one background refresh runs), otherwise calls the upstream. ' +
        'Caller authentication: `Authorization: Bearer <gateway api key>`; 401 for a missing or unknown key, then 429 when the ' +
        "key's rate limit is spent, then 403 when the key may not read this source name, then 404 SOURCE_NOT_FOUND for an unknown " +
        'source.',
    }),
    ApiParam({ name: 'source', description: 'A configured source name (`[a-z0-9][a-z0-9-]{0,62}`), not an adapter kind', example: 'crm-usertour' }),
    ApiParam({
      name: 'id',
      description:
        "The upstream's own id of the user, URL-encoded (it may contain `/`, spaces, unicode). Rules per kind: " +
        kindDescriptions()
          .map(({ kind, description }) => `${kind} ${description.idRule}${description.externalIdRule ? ` (with by=externalId ${description.externalIdRule})` : ''}`)
          .join('; ') +
        '. Never control characters. A bad id is 400 VALIDATION_ERROR before any cache or upstream access.',
      example: 'usr_123456789',
    }),
    ApiQuery({
      name: 'by',
      required: false,
      enum: ['id', 'externalId'],
      description:
        "`externalId`: look the user up by the customer's own identifier (kinds " +
        kindDescriptions()
          .filter(({ description }) => description.externalIdRule !== undefined)
          .map(({ kind }) => kind)
          .join(', ') +
        '; other kinds answer 400 LOOKUP_NOT_SUPPORTED)',
    }),
    ApiQuery({ name: 'include', required: false, enum: ['raw'], description: '`raw`: add `raw`, the upstream JSON body exactly as received' }),
    ApiHeader({
      name: 'Cache-Control',
      required: false,
      description:
        '`no-cache`: skip cached copies and fetch now (an upstream failure is returned, no stale fallback); `only-if-cached`: answer ' +
        'only from cache, 504 NOT_CACHED otherwise',
      schema: { type: 'string', enum: ['no-cache', 'only-if-cached'] },
    }),
    ApiHeader({ name: 'If-None-Match', required: false, description: "304 with no body when it matches the profile's current ETag" }),
    ApiHeader({ name: 'X-Request-Id', required: false, description: 'Correlation id (1-128 visible ASCII characters); a UUID is generated otherwise' }),
    ApiProduces('application/json', PROBLEM_CONTENT_TYPE),
    ApiResponse({
      status: 200,
      description: 'The canonical profile',
      headers: { ...REQUEST_ID_HEADER, ...CACHE_HEADERS, ...RATE_LIMIT_HEADERS },
      content: { 'application/json': { schema: { $ref: PROFILE_SCHEMA_REF } } },
    }),
    ApiResponse({ status: 304, description: 'If-None-Match matched the current ETag (no body)', headers: { ...REQUEST_ID_HEADER, ...CACHE_HEADERS, ...RATE_LIMIT_HEADERS } }),
    ApiResponse(problem(400, 'VALIDATION_ERROR (bad id for the kind, bad `by`, id rejected by the upstream) or LOOKUP_NOT_SUPPORTED')),
    ApiResponse(
      problem(401, 'UNAUTHORIZED: missing or unknown gateway API key', {
        'WWW-Authenticate': { description: 'Bearer challenge', schema: { type: 'string', example: 'Bearer realm="profile-gateway"' } },
      }),
    ),
    ApiResponse(problem(403, 'FORBIDDEN: the key may not read this source')),
    ApiResponse(problem(404, 'SOURCE_NOT_FOUND (no configured source of that name) or PROFILE_NOT_FOUND (the upstream says the user does not exist)')),
    ApiResponse(problem(429, "RATE_LIMITED: the key's rate limit is spent", RETRY_AFTER)),
    ApiResponse(problem(500, 'INTERNAL_ERROR: a bug; details only in the log under the request id')),
    ApiResponse(problem(502, 'UPSTREAM_AUTH_FAILED, UPSTREAM_BAD_RESPONSE or UPSTREAM_ERROR')),
    ApiResponse(problem(503, 'UPSTREAM_RATE_LIMITED or UPSTREAM_UNAVAILABLE (circuit open)', RETRY_AFTER)),
    ApiResponse(problem(504, 'UPSTREAM_TIMEOUT, or NOT_CACHED for only-if-cached')),
  );
}
