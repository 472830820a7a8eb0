import type { JsonObject } from '../../../profiles/profile.model.js';

/** Vemetric `GET /v1/users/single` bodies and error bodies, as the upstream sends them. */

/** An identified user looked up by id. */
export const vemetricIdentified: JsonObject = {
  user: {
    id: '15241578750190521233',
    identifier: 'user-3',
    displayName: 'Bravo',
    country: 'US',
    city: 'San Francisco',
    lastSeenAt: '2026-01-19T09:15:00Z',
    avatarUrl: null,
    data: { plan: 'starter' },
    anonymous: false,
  },
};

/** An anonymous user (only fetchable by id), built from the latest event. */
export const vemetricAnonymous: JsonObject = {
  user: {
    id: '9871362519984412057',
    identifier: null,
    displayName: null,
    country: 'DE',
    city: 'Berlin',
    lastSeenAt: '2025-12-25T08:01:00Z',
    avatarUrl: null,
    data: {},
    anonymous: true,
  },
};

/** An identified user with a row but no events and no geo. */
export const vemetricNoEvents: JsonObject = {
  user: {
    id: '4400128813370022',
    identifier: 'john@example.com',
    displayName: 'John Doe',
    country: null,
    city: null,
    lastSeenAt: null,
    avatarUrl: 'https://avatars.example.com/u/123.png',
    data: { plan: 'pro', company: 'Acme Inc', seats: 12, beta: true },
    anonymous: false,
  },
};

/** The largest id (2^64 - 1, 20 digits): far beyond `Number.MAX_SAFE_INTEGER`. */
export const vemetricMaxId: JsonObject = {
  user: {
    id: '18446744073709551615',
    identifier: 'max@example.com',
    displayName: 'Max',
    country: 'NL',
    city: 'Utrecht',
    lastSeenAt: '2026-02-01T00:00:00Z',
    avatarUrl: null,
    data: { email: 'max@example.com' },
    anonymous: false,
  },
};

/** `data.email` is not a string: email is null, the value stays in attributes. */
export const vemetricNonStringEmail: JsonObject = {
  user: {
    id: '7',
    identifier: 'seven',
    displayName: 'Seven',
    country: null,
    city: null,
    lastSeenAt: null,
    avatarUrl: null,
    data: { email: ['seven@example.com', 'seven@work.example'], plan: 'free' },
    anonymous: false,
  },
};

/** Custom data with nested values of every JSON type. */
export const vemetricNestedData: JsonObject = {
  user: {
    id: '12345678901234567890',
    identifier: 'cust-0042',
    displayName: 'Nested Nora',
    country: 'FR',
    city: 'Lyon',
    lastSeenAt: '2026-03-10T09:38:13Z',
    avatarUrl: null,
    data: {
      email: 'nora@example.com',
      profile: { tier: 'gold', limits: { seats: 25, storageGb: 1.5 }, flags: [true, false, null] },
      tags: ['a', 'b', { nested: ['deep', 1] }],
      score: -3.25,
      verified: true,
      manager: null,
      empty: {},
      none: [],
    },
    anonymous: false,
  },
};

/** Error bodies, each with the status it comes with. */
export const vemetricErrorBodies = {
  missingKey: { error: { code: 'UNAUTHORIZED', message: 'Missing API key. Use Authorization: Bearer <key>' } },
  malformedHeader: { error: { code: 'UNAUTHORIZED', message: 'Malformed Authorization header. Use Bearer <key>' } },
  invalidKeyFormat: { error: { code: 'UNAUTHORIZED', message: 'Invalid API key format' } },
  unknownKey: { error: { code: 'UNAUTHORIZED', message: 'Invalid or revoked API key' } },
  exactlyOne: {
    error: {
      code: 'VALIDATION_ERROR',
      message: 'Invalid request parameters',
      details: [
        { field: 'id', message: 'Provide exactly one of id or identifier' },
        { field: 'identifier', message: 'Provide exactly one of id or identifier' },
      ],
    },
  },
  nonNumericId: {
    error: { code: 'VALIDATION_ERROR', message: 'Invalid request parameters', details: [{ field: 'id', message: 'id must be a numeric user id' }] },
  },
  emptyIdentifier: {
    error: {
      code: 'VALIDATION_ERROR',
      message: 'Invalid request parameters',
      details: [{ field: 'identifier', message: 'String must contain at least 1 character(s)' }],
    },
  },
  userNotFound: { error: { code: 'USER_NOT_FOUND', message: 'User not found' } },
  routeNotFound: { error: { code: 'NOT_FOUND', message: 'Route not found. See https://vemetric.com/docs/api' } },
  rateLimited: { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded. Try again shortly.' } },
  internal: { error: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' } },
} satisfies Record<string, JsonObject>;
