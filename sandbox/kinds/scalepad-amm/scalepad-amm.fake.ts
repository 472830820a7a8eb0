import type { JsonObject } from '../../../src/profiles/profile.model.js';
import { bearerToken, type FakeHandler, type FakeResponse } from '../../fake-upstream.js';

/** One AMM client organization and its users (each the 200 body of `GET …/users/{id}`, sent as stored). */
export interface ScalepadAmmFakeClient {
  id: string;
  users: JsonObject[];
}

export interface ScalepadAmmFakeData {
  /** Accepted API tokens (the format is undocumented: any string). */
  tokens: string[];
  clients: ScalepadAmmFakeClient[];
  /** Client ids a token may read; a token without an entry may read every client. Others get 403. */
  grants?: Record<string, string[]>;
}

/**
 * Shape check standing in for the upstream's path validation. A strict `ParseUUIDPipe` would also refuse the
 * vendor's own example id `c3f19253-26g4-…`, so only the 8-4-4-4-12 shape of ASCII letters and digits is checked.
 */
const UUID_SHAPE = /^[A-Za-z0-9]{8}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{4}-[A-Za-z0-9]{12}$/;

const HEADERS = { 'content-type': 'application/json; charset=utf-8' };

/** NestJS's default `HttpException` body. */
function nestError(status: number, message: string, error?: string): FakeResponse {
  return { status, headers: HEADERS, body: error === undefined ? { statusCode: status, message } : { statusCode: status, message, error } };
}

/**
 * ScalePad AMM `GET /v2/clients/{client_id}/users/{user_id}` as upstreams.md section 2 infers (NestJS defaults):
 * an unknown route gets Nest's `Cannot GET /path` 404 before any guard; then the auth guard (401 for a missing,
 * non-Bearer or unknown token), the client permission guard (403), the path pipes (400 for an id not shaped like a
 * UUID), then the lookup (404 for an unknown client or a user not in that client). No rate limiting is known.
 */
export function scalepadAmmFake(data: ScalepadAmmFakeData): FakeHandler {
  return (request) => {
    const [v2, clients, clientId, users, userId, trailing, ...rest] = request.segments;
    // Express matches `/v2/clients/:client_id/users/:user_id` and, with non-strict routing, the same with a trailing `/`.
    const routed =
      request.method === 'GET' &&
      v2 === 'v2' &&
      clients === 'clients' &&
      users === 'users' &&
      clientId !== undefined &&
      clientId !== '' &&
      userId !== undefined &&
      userId !== '' &&
      (trailing === undefined || trailing === '') &&
      rest.length === 0;
    if (!routed) return nestError(404, `Cannot ${request.method} ${request.rawPath}`, 'Not Found');

    const token = bearerToken(request.headers);
    if (token === undefined || !data.tokens.includes(token)) return nestError(401, 'Unauthorized');
    const granted = data.grants?.[token];
    if (granted !== undefined && !granted.includes(clientId)) return nestError(403, 'Forbidden resource', 'Forbidden');

    if (!UUID_SHAPE.test(clientId) || !UUID_SHAPE.test(userId)) return nestError(400, 'Validation failed (uuid is expected)', 'Bad Request');

    const client = data.clients.find((candidate) => candidate.id === clientId);
    if (!client) return nestError(404, 'Client not found', 'Not Found');
    const user = client.users.find((candidate) => candidate.id === userId);
    if (!user) return nestError(404, 'User not found', 'Not Found');
    return { status: 200, headers: HEADERS, body: user };
  };
}
