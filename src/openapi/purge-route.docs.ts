import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import { BEARER_SCHEME, problemResponse, RATE_LIMIT_HEADERS, REQUEST_ID_HEADER, RETRY_AFTER } from './profile-route.docs.js';

const purgeProblem = (status: number, description: string, headers = {}) => problemResponse(status, description, { ...RATE_LIMIT_HEADERS, ...headers });

const SOURCE_PARAM = ApiParam({
  name: 'source',
  description: 'A configured source name (`[a-z0-9][a-z0-9-]{0,62}`), not an adapter kind',
  schema: { type: 'string' },
  example: 'crm-usertour',
});

/** The answers both purge routes share. */
function purgeResponses(notFound: string): MethodDecorator {
  return applyDecorators(
    ApiProduces(PROBLEM_CONTENT_TYPE),
    ApiResponse({ status: 204, description: 'Purged (also when nothing was cached); the next GET is a miss', headers: { ...REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS } }),
    ApiResponse(
      purgeProblem(401, 'UNAUTHORIZED: missing or unknown gateway API key', {
        'WWW-Authenticate': { description: 'Bearer challenge', schema: { type: 'string', example: 'Bearer realm="profile-gateway"' } },
      }),
    ),
    ApiResponse(purgeProblem(403, "FORBIDDEN: the key's actions lack purge, or its sources do not cover this source")),
    ApiResponse(purgeProblem(404, notFound)),
    ApiResponse(purgeProblem(429, "RATE_LIMITED: the key's rate limit is spent", RETRY_AFTER)),
    ApiResponse(
      purgeProblem(500, 'INTERNAL_ERROR: a bug, or Redis did not take the purge (this instance purged its own copies); retrying is safe, a purge is idempotent'),
    ),
  );
}

/** OpenAPI description of `DELETE /profiles/{source}/{id}` (contract §8). */
export function PurgeEntryRouteDocs(): MethodDecorator {
  return applyDecorators(
    ApiTags('profiles'),
    ApiBearerAuth(BEARER_SCHEME),
    ApiOperation({
      operationId: 'purgeProfile',
      summary: 'Purge one cached profile (or cached 404)',
      description:
        'Removes the entry from Redis and from the memory tier of every instance. A fetch that was in flight during the purge never ' +
        "brings the purged data back as a hit. Needs a key whose actions include `purge` and whose sources cover the source. 401, then 429 when the key's " +
        'rate limit is spent, then 403, then 404 SOURCE_NOT_FOUND, then 400 for an id the kind refuses.',
    }),
    SOURCE_PARAM,
    ApiParam({
      name: 'id',
      description: "The upstream's own id of the user (or with by=externalId the customer's identifier), URL-encoded; the same rules as for GET",
      schema: { type: 'string' },
      example: 'usr_123456789',
    }),
    ApiQuery({
      name: 'by',
      required: false,
      schema: { type: 'string', enum: ['id', 'externalId'], default: 'id' },
      description: '`externalId`: purge the entry of a lookup by the customer\'s identifier (kinds without that lookup answer 400 LOOKUP_NOT_SUPPORTED)',
    }),
    purgeResponses('SOURCE_NOT_FOUND: no configured source of that name'),
    ApiResponse(
      purgeProblem(
        400,
        'VALIDATION_ERROR (bad id for the kind, bad `by`, malformed percent-encoding), LOOKUP_NOT_SUPPORTED, or BAD_REQUEST (malformed request)',
      ),
    ),
  );
}

/** OpenAPI description of `DELETE /profiles/{source}` (contract §8). */
export function PurgeSourceRouteDocs(): MethodDecorator {
  return applyDecorators(
    ApiTags('profiles'),
    ApiBearerAuth(BEARER_SCHEME),
    ApiOperation({
      operationId: 'purgeSource',
      summary: 'Purge every cached profile of a source',
      description:
        'O(1) whatever the number of entries: the source gets a new generation of cache keys, kept in Redis and announced to every ' +
        'instance, which uses it within 1 s. Old entries are never served again and expire by their ttl. Needs a key whose actions ' +
        "include `purge` and whose sources cover the source. 401, then 429 when the key's rate limit is spent, then 403, then 404 SOURCE_NOT_FOUND.",
    }),
    SOURCE_PARAM,
    purgeResponses('SOURCE_NOT_FOUND (no configured source of that name) or NOT_FOUND (no such route)'),
    ApiResponse(purgeProblem(400, 'VALIDATION_ERROR (malformed percent-encoding) or BAD_REQUEST (malformed request)')),
  );
}
