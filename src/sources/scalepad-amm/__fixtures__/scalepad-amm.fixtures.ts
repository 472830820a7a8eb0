import type { JsonObject } from '../../../profiles/profile.model.js';

/** The client id of the vendor's curl example. */
export const AMM_CLIENT_ID = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';

/** A. Full user (the published doc's example). */
export const ammFullUser: JsonObject = {
  id: 'a1d97031-04e2-4907-a249-093f7436207b',
  username: 'mikechang',
  user_key: 'mikechang',
  last_activity: {
    at: '2026-02-24T21:23:53.082Z',
    desktop_at: '2026-02-24T21:22:46.119Z',
    web_at: '2026-02-24T21:23:53.082Z',
  },
  departments: [{ id: 'd1a2b3c4-e5f6-7890-abcd-ef1234567890', name: 'Engineering', description: 'Software development and infrastructure teams' }],
  created_at: '2026-02-05T21:29:34.214Z',
  updated_at: '2026-02-05T21:29:34.214Z',
};

/** B. No activity, no departments (published doc; the id is not a valid UUID, kept as published). */
export const ammNewUser: JsonObject = {
  id: 'c3f19253-26g4-6129-c461-215h9658429d',
  username: 'newuser',
  user_key: 'newuser',
  last_activity: { at: null, desktop_at: null, web_at: null },
  departments: [],
  created_at: '2026-02-24T10:00:00.000Z',
  updated_at: '2026-02-24T10:00:00.000Z',
};

/** C. Desktop-only user, two departments, one with a null description. */
export const ammDesktopUser: JsonObject = {
  id: '5e0c2b9a-7d41-4f0e-9a8b-3c2d1e0f9a7b',
  username: 'j.devries',
  user_key: 'CORP\\j.devries',
  last_activity: { at: '2026-03-01T08:15:02.511Z', desktop_at: '2026-03-01T08:15:02.511Z', web_at: null },
  departments: [
    { id: '0b6f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b', name: 'Finance', description: null },
    { id: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', name: 'Operations', description: 'Back office' },
  ],
  created_at: '2025-11-12T14:02:11.000Z',
  updated_at: '2026-02-27T09:41:30.875Z',
};

/** Edge: a department without a `description` key, second-precision timestamps and an offset. */
export const ammDepartmentWithoutDescription: JsonObject = {
  ...ammFullUser,
  departments: [{ id: 'd1a2b3c4-e5f6-7890-abcd-ef1234567890', name: 'Engineering' }],
  created_at: '2026-02-05T21:29:34Z',
  updated_at: '2026-02-05T23:29:34.2149+02:00',
};

/** Edge: unparseable optional activity timestamps. */
export const ammBadActivity: JsonObject = {
  ...ammFullUser,
  last_activity: { at: 'yesterday', desktop_at: '2026-02-24T21:22:46.119Z', web_at: '2026-02-30T10:00:00Z' },
};

/** Edge: unparseable required `created_at`. */
export const ammBadCreatedAt: JsonObject = { ...ammFullUser, created_at: 'not a date' };

/** Edge: unparseable required `updated_at`. */
export const ammBadUpdatedAt: JsonObject = { ...ammFullUser, updated_at: '2026-02-05' };

/** Edge: wrong shapes the body check must refuse. */
export const ammWithoutUsername: JsonObject = Object.fromEntries(Object.entries(ammFullUser).filter(([key]) => key !== 'username'));
export const ammWithNumericId: JsonObject = { ...ammFullUser, id: 42 };
export const ammWithoutLastActivity: JsonObject = Object.fromEntries(Object.entries(ammFullUser).filter(([key]) => key !== 'last_activity'));
export const ammWithDepartmentsNull: JsonObject = { ...ammFullUser, departments: null };
export const ammWithUpdatedAtNull: JsonObject = { ...ammFullUser, updated_at: null };

/** Error bodies (NestJS defaults, undocumented upstream). */
export const ammUnauthorizedBody: JsonObject = { statusCode: 401, message: 'Unauthorized' };
export const ammForbiddenBody: JsonObject = { statusCode: 403, message: 'Forbidden resource', error: 'Forbidden' };
export const ammUserNotFoundBody: JsonObject = { statusCode: 404, message: 'User not found', error: 'Not Found' };
export const ammClientNotFoundBody: JsonObject = { statusCode: 404, message: 'Client not found', error: 'Not Found' };
export const ammMalformedUuidBody: JsonObject = { statusCode: 400, message: 'Validation failed (uuid is expected)', error: 'Bad Request' };
/** NestJS on Express answering a path it has no route for (wrong base URL). */
export const ammRouteMissBody: JsonObject = { message: 'Cannot GET /api/v2/clients/x/users/y', error: 'Not Found', statusCode: 404 };
/** The same on Fastify. */
export const ammFastifyRouteMissBody: JsonObject = { message: 'Route GET:/api/v2/clients/x/users/y not found', error: 'Not Found', statusCode: 404 };
