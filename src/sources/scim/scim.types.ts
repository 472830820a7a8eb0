import { z } from 'zod';

import { jsonValue } from '../shared/mapping.js';

/** RFC 7643 §8.7.1: the core User schema URN. */
const SCIM_USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
/** RFC 7643 §4.3: the enterprise User extension. */
export const SCIM_ENTERPRISE_USER_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
/** RFC 7644 §3.12: error responses. */
const SCIM_ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
/** RFC 7644 §3.4.2: query responses. */
const SCIM_LIST_RESPONSE_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** `Accept` of every request: SCIM's own media type first, plain JSON for providers that only speak that. */
export const SCIM_ACCEPT = 'application/scim+json, application/json';

/**
 * A SCIM User resource: `schemas` contains the core User URN and `id` is a string. Every other attribute is kept as
 * received (the mapper reads what it maps and copies the rest into `attributes`), so optional attributes of an unexpected
 * type make the field unknown, not the body unusable.
 */
export const scimUserSchema = z
  .object({
    schemas: z.array(z.string()).refine((schemas) => schemas.includes(SCIM_USER_SCHEMA), `must contain ${SCIM_USER_SCHEMA}`),
    id: z.string(),
  })
  .catchall(jsonValue);

export type ScimUser = z.infer<typeof scimUserSchema>;

/** A query response (`GET /Users?filter=…`): `Resources` may be absent when nothing matched (RFC 7644 §3.4.2). */
export const scimListResponseSchema = z.object({
  schemas: z.array(z.string()).refine((schemas) => schemas.includes(SCIM_LIST_RESPONSE_SCHEMA), `must contain ${SCIM_LIST_RESPONSE_SCHEMA}`),
  totalResults: z.number().int().nonnegative(),
  Resources: z.array(jsonValue).optional(),
});

/** An error response: `schemas` contains the Error URN. */
export const scimErrorSchema = z.object({
  schemas: z.array(z.string()).refine((schemas) => schemas.includes(SCIM_ERROR_SCHEMA)),
});
