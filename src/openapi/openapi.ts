import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

import { OPENAPI_SCHEMAS } from './openapi-schemas.js';
import { BEARER_SCHEME } from './profile-route.docs.js';

export const DOCS_PATH = 'docs';
export const DOCS_JSON_PATH = 'docs-json';

/** The OpenAPI 3 document of the gateway's routes, with the canonical profile, membership, problem and health schemas. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const base = new DocumentBuilder()
    .setTitle('profile-gateway')
    .setDescription(
      'One canonical user profile from several upstream user APIs, cached. `GET /profiles/{source}/{id}` needs a gateway API key ' +
        '(`Authorization: Bearer <key>`); the health, metrics and documentation endpoints do not. Every error is ' +
        '`application/problem+json` with a stable `code`.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'Gateway API key (auth.apiKeys in the configuration)' }, BEARER_SCHEME)
    .build();
  const document = SwaggerModule.createDocument(app, base);
  document.components = { ...document.components, schemas: { ...document.components?.schemas, ...OPENAPI_SCHEMAS } };
  return document;
}

/** Serves Swagger UI at `/docs` and the JSON document at `/docs-json` (no API key). */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: DOCS_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'profile-gateway API',
  });
}
