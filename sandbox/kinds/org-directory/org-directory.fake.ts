import type { JsonObject, JsonValue } from '../../../src/profiles/profile.model.js';
import { bearerToken, type FakeHandler, type FakeResponse } from '../../fake-upstream.js';

export interface OrgDirectoryFakeData {
  /** Accepted tokens (the published example is a UUID v4). */
  tokens: string[];
  /** The users as the backend holds them; null values are omitted when sent, as upstream. */
  users: JsonObject[];
  /** Organization id each token belongs to; a user of another organization is answered 403. Tokens without an entry see everyone. */
  tokenOrganizations?: Record<string, number>;
  now?: () => number;
}

/** Response headers of the published example (CORS and security headers, no rate-limit headers). */
export const ORG_DIRECTORY_HEADERS: Record<string, string> = {
  'content-type': 'application/json',
  'access-control-expose-headers': 'authorization, content-type',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS, PUT',
  'access-control-allow-origin': '*',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-frame-options': 'SAMEORIGIN',
  'x-content-type-options': 'nosniff',
  'x-xss-protection': '1; mode=block',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'referrer-policy': 'no-referrer',
  'feature-policy': 'self',
  'permissions-policy': 'interest-cohort=()',
};

const REASONS: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed' };

/** Java `long` range, for Spring's conversion of the `{user-id}` path variable. */
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Jackson `NON_NULL`: object properties whose value is null are left out, at every depth; list elements are kept. */
export function omitNullProperties(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(omitNullProperties);
  if (value === null || typeof value !== 'object') return value;
  const out: JsonObject = {};
  for (const [key, property] of Object.entries(value)) {
    if (property !== null) out[key] = omitNullProperties(property);
  }
  return out;
}

/** Java `Long.valueOf` on the path variable: optional sign, decimal digits, within range; else null. */
function parseLong(text: string): bigint | null {
  if (!/^[+-]?\d+$/.test(text)) return null;
  const value = BigInt(text);
  return value < LONG_MIN || value > LONG_MAX ? null : value;
}

function organizationIdOf(user: JsonObject): JsonValue | undefined {
  const organization = user.organization;
  return typeof organization === 'object' && organization !== null && !Array.isArray(organization) ? organization.id : undefined;
}

/**
 * The organization user directory's `GET /v2/users/{user-id}` as upstreams.md section 4 infers (Spring Boot with
 * Spring Security and Jackson `NON_NULL`): authentication first on every path (401), then routing (404 for an
 * unknown path, 405 for another method, no trailing-slash match), the numeric path variable (400 when it is not a
 * `long`, so `007` is user 7), the lookup (404), and 403 for a user outside the token's organization. Errors use
 * Spring Boot's default body `{ timestamp, status, error, path }`.
 */
export function orgDirectoryFake(data: OrgDirectoryFakeData): FakeHandler {
  const now = data.now ?? Date.now;
  const springError = (status: number, path: string): FakeResponse => ({
    status,
    headers: ORG_DIRECTORY_HEADERS,
    body: { timestamp: new Date(now()).toISOString().replace('Z', '+00:00'), status, error: REASONS[status] ?? 'Error', path },
  });

  return (request) => {
    const token = bearerToken(request.headers);
    if (token === undefined || !data.tokens.includes(token)) return springError(401, request.rawPath);

    const [v2, users, id, ...rest] = request.segments;
    if (v2 !== 'v2' || users !== 'users' || id === undefined || id === '' || rest.length > 0) return springError(404, request.rawPath);
    if (request.method !== 'GET') return springError(405, request.rawPath);

    const wanted = parseLong(id);
    if (wanted === null) return springError(400, request.rawPath);
    const user = data.users.find((candidate) => typeof candidate.id === 'number' && Number.isInteger(candidate.id) && BigInt(candidate.id) === wanted);
    if (!user) return springError(404, request.rawPath);

    const organization = data.tokenOrganizations?.[token];
    if (organization !== undefined && organizationIdOf(user) !== organization) return springError(403, request.rawPath);
    return { status: 200, headers: ORG_DIRECTORY_HEADERS, body: omitNullProperties(user) };
  };
}
