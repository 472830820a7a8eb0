import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, type OperationObject, type PathItemObject, type ResponseObject, type ResponsesObject, SwaggerModule } from '@nestjs/swagger';

import { PROBLEM_CONTENT_TYPE } from '../common/problem.js';
import type { DescribedKind } from '../sources/shared/source-factory.js';
import { openApiSchemas, PROBLEM_SCHEMA_REF } from './openapi-schemas.js';
import { ALLOW_HEADER, BEARER_SCHEME, PROFILE_OPERATION_ID, REQUEST_ID_HEADER } from './profile-route.docs.js';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const problemAnswer = (description: string, headers = REQUEST_ID_HEADER): ResponseObject => ({
  description,
  headers,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: PROBLEM_SCHEMA_REF } } },
});

/** What any path can answer, whatever its own rules: the request itself was refused. */
const TRANSPORT_RESPONSES: ResponsesObject = {
  '400': problemAnswer('BAD_REQUEST: malformed request line or header, missing or duplicate Host, Content-Length with Transfer-Encoding'),
  '405': problemAnswer('METHOD_NOT_ALLOWED: a method this path does not serve', { ...REQUEST_ID_HEADER, ...ALLOW_HEADER }),
  '431': problemAnswer('HEADERS_TOO_LARGE: the request line and headers are over 16 KiB'),
  '500': problemAnswer('INTERNAL_ERROR: a bug; details only in the log under the request id'),
};

const TAGS: [string, string][] = [
  ['profiles', 'The canonical user profile, read through the cache'],
  ['problems', 'What each problem `type` means (HTML pages)'],
  ['health', 'Liveness and readiness probes'],
  ['metrics', 'Prometheus metrics'],
  ['documentation', 'This document and Swagger UI'],
];

const DOCUMENTATION_PATHS: Record<string, PathItemObject> = {
  [`/${DOCS_PATH}`]: {
    get: {
      operationId: 'getSwaggerUi',
      tags: ['documentation'],
      summary: 'Swagger UI',
      description: 'An HTML page that renders this document. No API key needed.',
      responses: { '200': { description: 'Swagger UI (HTML)', headers: REQUEST_ID_HEADER, content: { 'text/html': { schema: { type: 'string' } } } } },
    },
  },
  [`/${DOCS_JSON_PATH}`]: {
    get: {
      operationId: 'getOpenApiDocument',
      tags: ['documentation'],
      summary: 'This OpenAPI document',
      description: 'The OpenAPI 3 document of the gateway, as JSON. No API key needed.',
      responses: {
        '200': {
          description: 'The document',
          headers: REQUEST_ID_HEADER,
          content: { 'application/json': { schema: { type: 'object', additionalProperties: true } } },
        },
      },
    },
  },
};

function withoutBodies(responses: ResponsesObject): ResponsesObject {
  const result: ResponsesObject = {};
  for (const [status, response] of Object.entries(responses)) {
    const { content: _content, ...withoutBody } = response as ResponseObject;
    result[status] = withoutBody;
  }
  return result;
}

/** HEAD of an operation: the same parameters, statuses and headers, and never a body. */
function headOf(get: OperationObject): OperationObject {
  return {
    ...get,
    operationId: `${get.operationId}Head`,
    summary: `${get.summary ?? ''} (headers only)`.trim(),
    description: 'The same answer as GET, with the same status and headers, and no body.',
    responses: withoutBodies(get.responses),
  };
}

/** Completes what decorators cannot say: HEAD, open endpoints, the refusals every path can answer. */
function complete(document: OpenAPIObject): void {
  Object.assign(document.paths, DOCUMENTATION_PATHS);
  for (const item of Object.values(document.paths)) {
    if (item.get?.operationId === PROFILE_OPERATION_ID && !item.head) item.head = headOf(item.get);
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      // Open endpoints say so explicitly: no API key.
      operation.security ??= [];
      for (const [status, response] of Object.entries(TRANSPORT_RESPONSES)) {
        const responses = operation.responses;
        responses[status] ??= response;
      }
      if (method === 'head') operation.responses = withoutBodies(operation.responses);
    }
  }
}

/**
 * The OpenAPI 3 document of the gateway's routes, with the canonical profile, membership, problem and health schemas.
 * `kinds` are the registry's `kindDescriptions()` (the `meta.kind` and `Membership.type` enums come from them).
 */
export function buildOpenApiDocument(app: INestApplication, kinds: readonly DescribedKind[]): OpenAPIObject {
  let builder = new DocumentBuilder()
    .setTitle('profile-gateway')
    .setDescription(
      'One canonical user profile from several upstream user APIs, cached. `GET /profiles/{source}/{id}` needs a gateway API key ' +
        '(`Authorization: Bearer <key>`); the problem pages, health, metrics and documentation endpoints do not. Every error is ' +
        '`application/problem+json` with a stable `code` and `requestId`, and every answer carries `X-Request-Id`. A path no route ' +
        'serves is 404 NOT_FOUND; a method a path does not serve is 405 METHOD_NOT_ALLOWED with `Allow`; `HEAD` is served wherever ' +
        '`GET` is.',
    )
    .setVersion('2')
    .setLicense('Proprietary (internal service)', 'https://profile-gateway.invalid/license')
    .setContact('profile-gateway maintainers', 'https://profile-gateway.invalid', 'profile-gateway@profile-gateway.invalid')
    .addServer('/', 'This gateway (relative to where this document was read)')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'opaque', description: 'Gateway API key, an opaque string (auth.apiKeys in the configuration)' },
      BEARER_SCHEME,
    );
  for (const [name, description] of TAGS) builder = builder.addTag(name, description);
  // One tag per operation: the tags of the decorators, not one more derived from the controller's name.
  const document = SwaggerModule.createDocument(app, builder.build(), { autoTagControllers: false });
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...openApiSchemas(kinds) } };
  complete(document);
  return document;
}

/** Serves Swagger UI at `/docs` and the JSON document at `/docs-json` (no API key). */
export function setupOpenApi(app: INestApplication, kinds: readonly DescribedKind[]): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app, kinds), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'profile-gateway API',
  });
}
