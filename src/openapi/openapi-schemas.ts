import type { SchemaObject } from '@nestjs/swagger';

import type { TransportCode } from '../common/problem.js';
import { ERROR_CODES } from '../profiles/profile.errors.js';
import { CANONICAL_FIELDS } from '../profiles/profile.model.js';
import { ADAPTER_KINDS, producedMembershipTypes } from '../sources/source-registry.js';

/** Codes of failures outside the profile endpoint's own rules (unknown route, wrong method, malformed request). */
export const TRANSPORT_CODES = ['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'BAD_REQUEST'] as const satisfies readonly TransportCode[];

export const PROFILE_SCHEMA_REF = '#/components/schemas/Profile';
export const MEMBERSHIP_SCHEMA_REF = '#/components/schemas/Membership';
export const PROBLEM_SCHEMA_REF = '#/components/schemas/Problem';
export const HEALTH_SCHEMA_REF = '#/components/schemas/HealthCheck';

const TIMESTAMP = 'UTC timestamp `YYYY-MM-DDTHH:mm:ss.sssZ`';

const nullableString = (description: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', nullable: true, description, ...extra });
const nullableBoolean = (description: string): SchemaObject => ({ type: 'boolean', nullable: true, description });
const nullableTimestamp = (description: string): SchemaObject => ({ type: 'string', format: 'date-time', nullable: true, description: `${description}; ${TIMESTAMP}` });
const anyObject = (description: string): SchemaObject => ({ type: 'object', additionalProperties: true, description });

export const MEMBERSHIP_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'An organization, company, department or group the user belongs to',
  required: ['id', 'name', 'type', 'role', 'description', 'attributes'],
  properties: {
    id: { type: 'string' },
    name: nullableString('Display name of the membership'),
    type: { type: 'string', enum: producedMembershipTypes(), description: 'The types the configured kinds produce' },
    role: nullableString("The user's role in it"),
    description: nullableString('Description, when the source has one'),
    attributes: anyObject('Source data of the membership, as received'),
  },
};

const PROFILE_PROPERTIES: Record<(typeof CANONICAL_FIELDS)[number], SchemaObject> = {
  source: { type: 'string', description: 'The configured source name from the URL' },
  id: { type: 'string', description: "The upstream's primary id, always a string (Vemetric ids exceed 2^53)" },
  externalId: nullableString("The customer's own identifier for this user at that source"),
  username: nullableString('Login / system user name'),
  displayName: nullableString('Human name to show'),
  givenName: nullableString('Given name'),
  familyName: nullableString('Family name'),
  email: nullableString('E-mail address'),
  emailVerified: nullableBoolean('null: the source does not say'),
  phone: nullableString('E.164 phone number'),
  phoneVerified: nullableBoolean('null: the source does not say'),
  avatarUrl: nullableString('Avatar image URL'),
  country: nullableString('ISO 3166-1 alpha-2, upper case', { pattern: '^[A-Z]{2}$' }),
  city: nullableString('City'),
  anonymous: { type: 'boolean', description: 'The source knows the user only anonymously' },
  roles: { type: 'array', items: { type: 'string' }, description: 'System-level roles' },
  memberships: { type: 'array', items: { $ref: MEMBERSHIP_SCHEMA_REF }, description: 'Organizations, companies, departments and groups' },
  lastSeenAt: nullableTimestamp('Latest activity the source reports'),
  lastSeenByChannel: {
    type: 'object',
    description: 'Per-channel latest activity, only for channels the source reports',
    properties: { desktop: nullableTimestamp('Latest desktop activity'), web: nullableTimestamp('Latest web activity') },
    additionalProperties: false,
  },
  createdAt: nullableTimestamp("The upstream's record creation time"),
  updatedAt: nullableTimestamp("The upstream's record update time"),
  attributes: anyObject('Source data not mapped to a field above, copied as received'),
};

export const PROFILE_SCHEMA: SchemaObject = {
  type: 'object',
  description:
    'The canonical profile: every key is always present; "unknown" is null (or [] / {} for lists and maps). ' +
    '`meta.unsupportedFields` lists the fields this source kind can never fill.',
  required: [...CANONICAL_FIELDS, 'meta'],
  properties: {
    ...PROFILE_PROPERTIES,
    meta: {
      type: 'object',
      required: ['kind', 'fetchedAt', 'unsupportedFields'],
      properties: {
        kind: { type: 'string', enum: [...ADAPTER_KINDS], description: 'Adapter kind of the source' },
        fetchedAt: { type: 'string', format: 'date-time', description: `When the gateway fetched this from the upstream; ${TIMESTAMP}` },
        unsupportedFields: {
          type: 'array',
          items: { type: 'string', enum: [...CANONICAL_FIELDS] },
          description: 'Canonical fields this kind can never fill (a null there means "not available from this source"), in field order',
        },
      },
    },
    raw: anyObject('Only with include=raw: the upstream JSON body exactly as received'),
  },
};

export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details. Branch on `code`.',
  required: ['type', 'title', 'status', 'code', 'detail', 'requestId'],
  properties: {
    type: { type: 'string', enum: ['about:blank'] },
    title: { type: 'string', example: 'Not Found' },
    status: { type: 'integer', example: 404 },
    code: {
      type: 'string',
      enum: [...ERROR_CODES, ...TRANSPORT_CODES],
      description:
        'VALIDATION_ERROR 400, LOOKUP_NOT_SUPPORTED 400, UNAUTHORIZED 401, FORBIDDEN 403, SOURCE_NOT_FOUND 404, PROFILE_NOT_FOUND 404, ' +
        'RATE_LIMITED 429, INTERNAL_ERROR 500, UPSTREAM_AUTH_FAILED 502, UPSTREAM_BAD_RESPONSE 502, UPSTREAM_ERROR 502, ' +
        'UPSTREAM_RATE_LIMITED 503, UPSTREAM_UNAVAILABLE 503, UPSTREAM_TIMEOUT 504, NOT_CACHED 504; outside the profile rules: ' +
        'NOT_FOUND 404 (no such route), METHOD_NOT_ALLOWED 405, PAYLOAD_TOO_LARGE 413, BAD_REQUEST 400 (malformed request)',
    },
    detail: { type: 'string', example: 'No profile 42 in source crm-usertour' },
    source: { type: 'string', description: 'Present when a source is involved' },
    requestId: { type: 'string', description: 'The X-Request-Id of the request (log correlation)' },
    errors: {
      type: 'array',
      description: 'Validation errors only',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

const INDICATOR: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['up', 'degraded', 'down'] } },
  additionalProperties: true,
};

export const HEALTH_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'Terminus health check result: `info` holds up/degraded indicators, `error` the down ones, `details` all',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok', 'degraded', 'error', 'shutting_down'] },
    info: { type: 'object', additionalProperties: INDICATOR },
    error: { type: 'object', additionalProperties: INDICATOR },
    details: { type: 'object', additionalProperties: INDICATOR },
  },
};

/** `components.schemas` of the document. */
export const OPENAPI_SCHEMAS: Record<string, SchemaObject> = {
  Profile: PROFILE_SCHEMA,
  Membership: MEMBERSHIP_SCHEMA,
  Problem: PROBLEM_SCHEMA,
  HealthCheck: HEALTH_SCHEMA,
};
