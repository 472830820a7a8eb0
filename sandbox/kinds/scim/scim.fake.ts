import type { JsonObject } from '../../../src/profiles/profile.model.js';
import { bearerToken, type FakeHandler, type FakeResponse } from '../../fake-upstream.js';

export interface ScimFakeData {
  /** Accepted bearer tokens. */
  tokens: string[];
  /** User resources exactly as the service provider returns them (`schemas`, `id`, `meta` included). */
  users: JsonObject[];
}

const HEADERS = { 'content-type': 'application/scim+json; charset=utf-8' };
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

function scimError(status: number, detail: string, scimType?: string, headers: Record<string, string> = {}): FakeResponse {
  return { status, headers: { ...HEADERS, ...headers }, body: { schemas: [ERROR], ...(scimType && { scimType }), detail, status: String(status) } };
}

/** `externalId eq "<SCIM string>"` (attribute name and operator case-insensitive, RFC 7644 §3.4.2.2); else undefined. */
function externalIdOf(filter: string): string | undefined {
  const match = /^\s*externalId\s+eq\s+("(?:[^"\\]|\\.)*")\s*$/i.exec(filter);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!) as string;
  } catch {
    return undefined;
  }
}

/**
 * A SCIM 2.0 service provider's `/Users` endpoints (RFC 7644 §3.4): `GET /Users/{id}` and `GET /Users?filter=…&count=…`
 * with only the `externalId eq "…"` filter (anything else is 400 `invalidFilter`). Bearer auth (401 SCIM Error with
 * `WWW-Authenticate`), SCIM Error bodies, `application/scim+json`. A path outside `/Users` gets a plain web-server 404,
 * as a wrong base URL would. `externalId` compares case-exact (RFC 7643 §3.1).
 */
export function scimFake(data: ScimFakeData): FakeHandler {
  return (request) => {
    const [resource, id, ...rest] = request.segments;
    if (resource !== 'Users' || rest.length > 0) {
      return { status: 404, headers: { 'content-type': 'text/html' }, body: '<html><body><h1>404 Not Found</h1></body></html>' };
    }
    const token = bearerToken(request.headers);
    if (token === undefined || !data.tokens.includes(token)) {
      return scimError(401, 'Authorization failure. The authorization header is invalid or missing.', undefined, { 'www-authenticate': 'Bearer realm="scim"' });
    }
    if (request.method !== 'GET') return scimError(405, `${request.method} is not supported`);

    if (id !== undefined && id !== '') {
      const user = data.users.find((candidate) => candidate.id === id);
      return user ? { status: 200, headers: HEADERS, body: user } : scimError(404, `Resource ${id} not found`);
    }

    const filter = request.query.find(([key]) => key === 'filter')?.[1];
    const countText = request.query.find(([key]) => key === 'count')?.[1];
    const count = countText === undefined ? undefined : Number.parseInt(countText, 10);
    if (count !== undefined && (!Number.isInteger(count) || count < 0)) return scimError(400, 'count must be a non-negative integer', 'invalidValue');
    let matches = data.users;
    if (filter !== undefined) {
      const externalId = externalIdOf(filter);
      if (externalId === undefined) return scimError(400, `Unsupported filter: ${filter}`, 'invalidFilter');
      matches = data.users.filter((user) => user.externalId === externalId);
    }
    const page = count === undefined ? matches : matches.slice(0, count);
    return {
      status: 200,
      headers: HEADERS,
      body: { schemas: [LIST], totalResults: matches.length, itemsPerPage: page.length, startIndex: 1, ...(page.length > 0 && { Resources: page }) },
    };
  };
}
