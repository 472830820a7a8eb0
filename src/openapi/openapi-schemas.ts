import type { SchemaObject } from '@nestjs/swagger';

import { problemTypeOf, STATUS_OF } from '../common/problem.js';
import { ERROR_CODES } from '../profiles/profile.errors.js';
import { CANONICAL_FIELDS } from '../profiles/profile.model.js';
import { type DescribedKind, producedMembershipTypes } from '../sources/shared/source-factory.js';

export const PROFILE_SCHEMA_REF = '#/components/schemas/Profile';
export const MEMBERSHIP_SCHEMA_REF = '#/components/schemas/Membership';
export const PROBLEM_SCHEMA_REF = '#/components/schemas/Problem';
export const HEALTH_SCHEMA_REF = '#/components/schemas/HealthCheck';
export const BATCH_REQUEST_SCHEMA_REF = '#/components/schemas/BatchRequest';
export const BATCH_RESPONSE_SCHEMA_REF = '#/components/schemas/BatchResponse';

const TIMESTAMP = 'UTC timestamp `YYYY-MM-DDTHH:mm:ss.sssZ`';

const nullableString = (description: string, extra: SchemaObject = {}): SchemaObject => ({ type: 'string', nullable: true, description, ...extra });
const nullableBoolean = (description: string): SchemaObject => ({ type: 'boolean', nullable: true, description });
const nullableTimestamp = (description: string): SchemaObject => ({ type: 'string', format: 'date-time', nullable: true, description: `${description}; ${TIMESTAMP}` });
const anyObject = (description: string): SchemaObject => ({ type: 'object', additionalProperties: true, description });

/** The membership schema; its `type` enum lists the types `kinds` produce. */
const membershipSchema = (kinds: readonly DescribedKind[]): SchemaObject => ({
  type: 'object',
  description: 'An organization, company, department or group the user belongs to',
  required: ['id', 'name', 'type', 'role', 'description', 'attributes'],
  properties: {
    id: { type: 'string' },
    name: nullableString('Display name of the membership'),
    type: { type: 'string', enum: producedMembershipTypes(kinds), description: 'The types the configured kinds produce' },
    role: nullableString("The user's role in it"),
    description: nullableString('Description, when the source has one'),
    attributes: anyObject('Source data of the membership, as received'),
  },
  additionalProperties: false,
});

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

/** The canonical profile schema; its `meta.kind` enum lists `kinds`. */
const profileSchema = (kinds: readonly DescribedKind[]): SchemaObject => ({
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
        kind: { type: 'string', enum: kinds.map(({ kind }) => kind), description: 'Adapter kind of the source' },
        fetchedAt: { type: 'string', format: 'date-time', description: `When the gateway fetched this from the upstream; ${TIMESTAMP}` },
        unsupportedFields: {
          type: 'array',
          items: { type: 'string', enum: [...CANONICAL_FIELDS] },
          description: 'Canonical fields this kind can never fill (a null there means "not available from this source"), in field order',
        },
      },
      additionalProperties: false,
    },
    raw: anyObject('Only with include=raw: the upstream JSON body exactly as received'),
  },
  additionalProperties: false,
});

export const PROBLEM_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'RFC 9457 problem details. Branch on `code`.',
  required: ['type', 'title', 'status', 'code', 'detail', 'requestId'],
  properties: {
    type: {
      type: 'string',
      enum: ERROR_CODES.map(problemTypeOf),
      description: 'URI reference of the page that explains the code: `/problems/<code in lower case, - for _>`',
      example: '/problems/profile-not-found',
    },
    title: { type: 'string', description: 'The reason phrase of the status', example: 'Not Found' },
    status: { type: 'integer', description: 'The HTTP status of the answer', example: 404 },
    code: {
      type: 'string',
      enum: [...ERROR_CODES],
      description: `The stable, machine-readable part; callers branch on it. Code and status: ${ERROR_CODES.map((code) => `${code} ${STATUS_OF[code]}`).join(', ')}`,
    },
    detail: { type: 'string', description: 'What went wrong, for people', example: 'No profile 42 in source crm-usertour' },
    source: { type: 'string', description: 'Present when a source is involved' },
    requestId: { type: 'string', description: 'The X-Request-Id of the request (log correlation)' },
    errors: {
      type: 'array',
      description: 'Validation errors only',
      items: {
        type: 'object',
        required: ['field', 'message'],
        properties: { field: { type: 'string', description: 'The field, e.g. `id` or `url`' }, message: { type: 'string', description: 'What is wrong with it' } },
        additionalProperties: false,
      },
    },
  },
  additionalProperties: false,
};

const BATCH_LOOKUP_KEYS = {
  source: { type: 'string', description: 'A configured source name' },
  id: { type: 'string', description: "The upstream's own id of the user (not URL-encoded), checked by the kind's id rule" },
  by: { type: 'string', enum: ['id', 'externalId'], description: 'The lookup kind; `id` when absent in the request' },
} satisfies Record<string, SchemaObject>;

const BATCH_REQUEST_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'Up to `batch.maxLookups` (default 100) lookups, each decided as `GET /profiles/{source}/{id}` would. Unknown fields are ignored.',
  required: ['lookups'],
  properties: {
    lookups: {
      type: 'array',
      minItems: 1,
      items: { type: 'object', required: ['source', 'id'], properties: BATCH_LOOKUP_KEYS },
    },
    include: { type: 'array', items: { type: 'string', example: 'raw' }, description: '`raw`: add `raw` to every profile. Other values are ignored.' },
  },
};

const BATCH_SUCCESS: SchemaObject = {
  type: 'object',
  required: ['source', 'id', 'by', 'status', 'cacheStatus', 'etag', 'profile'],
  properties: {
    ...BATCH_LOOKUP_KEYS,
    status: { type: 'integer', enum: [200] },
    cacheStatus: { type: 'string', description: 'The Cache-Status value a single lookup would have had', example: 'profile-gateway; hit; ttl=297' },
    etag: { type: 'string', description: 'The ETag a single lookup would have had', example: 'W/"3q2-7w"' },
    profile: { $ref: PROFILE_SCHEMA_REF },
  },
  additionalProperties: false,
};

const BATCH_FAILURE: SchemaObject = {
  type: 'object',
  required: ['source', 'id', 'by', 'status', 'problem'],
  properties: {
    ...BATCH_LOOKUP_KEYS,
    status: { type: 'integer', minimum: 400, maximum: 599, description: 'The status a single lookup would have had' },
    problem: { $ref: PROBLEM_SCHEMA_REF },
  },
  additionalProperties: false,
};

const BATCH_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  description: 'One result per lookup, in request order; a lookup repeated in the batch is fetched once and reported at each place',
  required: ['results'],
  properties: { results: { type: 'array', items: { oneOf: [BATCH_SUCCESS, BATCH_FAILURE] } } },
  additionalProperties: false,
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

/**
 * `components.schemas` of the document, for the adapter kinds `kinds` (the registry's `kindDescriptions()`, handed in by
 * the entry point: this module sits below the registry).
 */
export const openApiSchemas = (kinds: readonly DescribedKind[]): Record<string, SchemaObject> => ({
  Profile: profileSchema(kinds),
  Membership: membershipSchema(kinds),
  Problem: PROBLEM_SCHEMA,
  HealthCheck: HEALTH_SCHEMA,
  BatchRequest: BATCH_REQUEST_SCHEMA,
  BatchResponse: BATCH_RESPONSE_SCHEMA,
});
