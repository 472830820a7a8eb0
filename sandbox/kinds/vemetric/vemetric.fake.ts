import type { JsonValue } from '../../../src/profiles/profile.model.js';
import type { FakeHandler, FakeResponse } from '../../fake-upstream.js';

/** Vemetric's users, keyed by id; each value is the `user` object of the 200 body. */
export interface VemetricFakeData {
  /** Accepted API keys (`vem_` + 32 characters). */
  tokens: string[];
  users: Array<Record<string, JsonValue>>;
  /** Requests per window before 429 (default 100, as upstream). */
  rateLimit?: number;
  now?: () => number;
}

const error = (status: number, code: string, message: string, headers?: Record<string, string>): FakeResponse => ({
  status,
  body: { error: { code, message } },
  headers,
});

/**
 * Vemetric `GET /v1/users/single` as upstreams.md §1 describes: auth before validation, exact 401 messages,
 * fixed-window rate limit with absolute `X-RateLimit-Reset` and no `Retry-After`, `USER_NOT_FOUND` vs `NOT_FOUND`.
 */
export function vemetricFake(data: VemetricFakeData): FakeHandler {
  const limit = data.rateLimit ?? 100;
  const now = data.now ?? Date.now;
  let windowEnd = 0;
  let count = 0;
  return (request) => {
    const path = '/' + request.segments.join('/');
    if (!path.startsWith('/v1/')) return { status: 404, body: { error: { code: 'NOT_FOUND', message: 'Route not found. See https://vemetric.com/docs/api' } } };
    const header = request.headers.authorization;
    if (header === undefined) return error(401, 'UNAUTHORIZED', 'Missing API key. Use Authorization: Bearer <key>');
    if (!header.startsWith('Bearer ')) return error(401, 'UNAUTHORIZED', 'Malformed Authorization header. Use Bearer <key>');
    const key = header.slice('Bearer '.length);
    if (key.length !== 36 || !key.startsWith('vem_')) return error(401, 'UNAUTHORIZED', 'Invalid API key format');
    if (!data.tokens.includes(key)) return error(401, 'UNAUTHORIZED', 'Invalid or revoked API key');

    const nowMs = now();
    if (nowMs >= windowEnd) {
      windowEnd = Math.ceil(nowMs / 1000) * 1000 + 60_000;
      count = 0;
    }
    count++;
    const headers = {
      'x-ratelimit-limit': String(limit),
      'x-ratelimit-remaining': String(Math.max(0, limit - count)),
      'x-ratelimit-reset': String(windowEnd / 1000),
    };
    if (count > limit) return error(429, 'RATE_LIMIT_EXCEEDED', 'Rate limit exceeded. Try again shortly.', headers);
    if (request.method !== 'GET' || path !== '/v1/users/single') {
      return error(404, 'NOT_FOUND', 'Route not found. See https://vemetric.com/docs/api', headers);
    }

    const ids = request.query.filter(([k]) => k === 'id').map(([, v]) => v);
    const identifiers = request.query.filter(([k]) => k === 'identifier').map(([, v]) => v);
    const details: Array<{ field: string; message: string }> = [];
    if (ids.length + identifiers.length !== 1) {
      details.push(
        { field: 'id', message: 'Provide exactly one of id or identifier' },
        { field: 'identifier', message: 'Provide exactly one of id or identifier' },
      );
    } else if (ids.length === 1 && !/^\d+$/.test(ids[0] ?? '')) {
      details.push({ field: 'id', message: 'id must be a numeric user id' });
    } else if (identifiers.length === 1 && identifiers[0] === '') {
      details.push({ field: 'identifier', message: 'String must contain at least 1 character(s)' });
    }
    if (details.length > 0) {
      return { status: 400, headers, body: { error: { code: 'VALIDATION_ERROR', message: 'Invalid request parameters', details } } };
    }

    let user: Record<string, JsonValue> | undefined;
    if (ids.length === 1) {
      const wanted = BigInt(ids[0] ?? '0').toString();
      user = data.users.find((u) => u.id === wanted);
    } else {
      // Lookup by identifier reads only the user table: anonymous users (identifier null) are never found.
      user = data.users.find((u) => u.identifier !== null && u.identifier === identifiers[0]);
    }
    if (!user) return error(404, 'USER_NOT_FOUND', 'User not found', headers);
    return { status: 200, headers, body: { user } };
  };
}
