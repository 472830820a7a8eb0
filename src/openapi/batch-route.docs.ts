import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiHeader, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import { BATCH_REQUEST_SCHEMA_REF, BATCH_RESPONSE_SCHEMA_REF } from './openapi-schemas.js';
import { BEARER_SCHEME, CACHE_CONTROL_DESCRIPTION, problemResponse, RATE_LIMIT_HEADERS, REQUEST_ID_HEADER, RETRY_AFTER } from './profile-route.docs.js';

/** OpenAPI description of `POST /profiles/batch` (contract §7). */
export function BatchRouteDocs(): MethodDecorator {
  return applyDecorators(
    ApiTags('profiles'),
    ApiBearerAuth(BEARER_SCHEME),
    ApiOperation({
      operationId: 'getProfilesBatch',
      summary: 'Many profile lookups in one request',
      description:
        'Each lookup is decided exactly as `GET /profiles/{source}/{id}` would decide it (the key scope, the source, the id rule, the ' +
        'cache and its single-flight, the upstream), all at once within each source\'s concurrency cap. A batch of N lookups counts as N ' +
        "requests against the key's rate limit; when fewer than N are left the whole batch is 429 and nothing is spent. The whole batch " +
        'answers within the largest `timeout` of the sources it touches plus 250 ms; a lookup still running then is reported as 504 ' +
        'UPSTREAM_TIMEOUT in its result. The request Cache-Control directives apply to every lookup.',
    }),
    ApiConsumes('application/json'),
    ApiBody({ required: true, schema: { $ref: BATCH_REQUEST_SCHEMA_REF } }),
    ApiHeader({ name: 'Cache-Control', required: false, description: CACHE_CONTROL_DESCRIPTION, schema: { type: 'string', example: 'max-age=60' } }),
    ApiProduces('application/json', PROBLEM_CONTENT_TYPE),
    ApiResponse({
      status: 200,
      description: 'One result per lookup, in request order: a profile, or the problem the single lookup would have had',
      headers: { ...REQUEST_ID_HEADER, ...RATE_LIMIT_HEADERS },
      content: { 'application/json': { schema: { $ref: BATCH_RESPONSE_SCHEMA_REF } } },
    }),
    ApiResponse(
      problemResponse(400, 'VALIDATION_ERROR: the body breaks the rules (errors[] names each field path, e.g. lookups[3].id); nothing is looked up. BAD_REQUEST: a malformed request'),
    ),
    ApiResponse(
      problemResponse(401, 'UNAUTHORIZED: missing or unknown gateway API key', {
        'WWW-Authenticate': { description: 'Bearer challenge', schema: { type: 'string', example: 'Bearer realm="profile-gateway"' } },
      }),
    ),
    ApiResponse(problemResponse(413, 'PAYLOAD_TOO_LARGE: a body over 256 KiB')),
    ApiResponse(problemResponse(415, 'UNSUPPORTED_MEDIA_TYPE: a body that is not application/json')),
    ApiResponse(problemResponse(429, "RATE_LIMITED: fewer than N requests are left of the key's rate limit", { ...RATE_LIMIT_HEADERS, ...RETRY_AFTER })),
  );
}
