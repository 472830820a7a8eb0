import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamRejectedIdError,
} from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { NotFoundRule, RawUpstreamResponse } from './upstream-http.contract.js';
import { classifyResponse, parseJsonSafely, parseRetryAfter } from './upstream-response.js';

describe('parseJsonSafely', () => {
  it('should parse JSON values of every type', () => {
    expect(parseJsonSafely('{"a":[1,"x",true,null,{"b":-1.5}]}')).toStrictEqual({ a: [1, 'x', true, null, { b: -1.5 }] });
    expect(parseJsonSafely('"text"')).toBe('text');
    expect(parseJsonSafely('null')).toBeNull();
  });

  it('should drop __proto__ keys at any depth without polluting prototypes', () => {
    const parsed = parseJsonSafely('{"__proto__":{"polluted":true},"a":{"__proto__":{"polluted":true},"b":2}}') as Record<string, JsonValue>;

    expect(parsed).toStrictEqual({ a: { b: 2 } });
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.getPrototypeOf(parsed.a)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should drop constructor.prototype keys', () => {
    const parsed = parseJsonSafely('{"constructor":{"prototype":{"polluted":true}},"a":1}');

    expect(parsed).toStrictEqual({ a: 1 });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('should keep a harmless constructor key', () => {
    expect(parseJsonSafely('{"constructor":"Acme","a":1}')).toStrictEqual({ constructor: 'Acme', a: 1 });
  });

  it.each([[''], ['<html>'], ['{"a":'], ['undefined']])('should throw for %p', (text) => {
    expect(() => parseJsonSafely(text)).toThrow(SyntaxError);
  });
});

describe('parseRetryAfter', () => {
  const nowMs = Date.parse('2026-01-19T09:15:00.000Z');

  it('should be undefined without a header', () => {
    expect(parseRetryAfter(undefined, nowMs)).toBeUndefined();
  });

  it.each([
    ['120', 120],
    ['0', 0],
    [' 7 ', 7],
  ])('should read delay-seconds %p', (value, expected) => {
    expect(parseRetryAfter(value, nowMs)).toBe(expected);
  });

  it('should read an HTTP-date as the seconds left', () => {
    expect(parseRetryAfter('Mon, 19 Jan 2026 09:15:30 GMT', nowMs)).toBe(30);
  });

  it('should round a partial second up', () => {
    expect(parseRetryAfter('Mon, 19 Jan 2026 09:15:30 GMT', nowMs + 400)).toBe(30);
    expect(parseRetryAfter('Mon, 19 Jan 2026 09:15:30 GMT', nowMs + 1)).toBe(30);
  });

  it('should give 0 for an HTTP-date in the past', () => {
    expect(parseRetryAfter('Mon, 19 Jan 2026 09:00:00 GMT', nowMs)).toBe(0);
  });

  it.each([['soon'], [''], ['12abc']])('should be undefined for %p', (value) => {
    expect(parseRetryAfter(value, nowMs)).toBeUndefined();
  });
});

describe('classifyResponse', () => {
  const nowMs = Date.parse('2026-01-19T09:15:00.000Z');
  const seen: Array<JsonValue | undefined> = [];
  const notFound: NotFoundRule = {
    id: 'usr 42',
    isProfileNotFound: (body) => {
      seen.push(body);
      return typeof body === 'object' && body !== null && !Array.isArray(body) && body.code === 'USER_NOT_FOUND';
    },
  };

  beforeEach(() => {
    seen.length = 0;
  });

  function classify(status: number, text: string, headers: Record<string, string> = {}): unknown {
    const response: RawUpstreamResponse = { status, headers, text };
    try {
      return classifyResponse('src', response, notFound, nowMs);
    } catch (error) {
      return error;
    }
  }

  it('should return the parsed body, status and headers of a 200 JSON answer', () => {
    const result = classify(200, '{"id":"1","__proto__":{"x":1}}', { 'x-trace-id': 't' });

    expect(result).toStrictEqual({ status: 200, headers: { 'x-trace-id': 't' }, body: { id: '1' } });
  });

  it('should accept any 2xx with a JSON body', () => {
    expect(classify(203, '{"id":"1"}')).toMatchObject({ status: 203, body: { id: '1' } });
  });

  it.each([
    ['HTML', '<html>ok</html>'],
    ['an empty body', ''],
  ])('should fail with UPSTREAM_BAD_RESPONSE for a 200 with %s', (_case, text) => {
    const error = classify(200, text);

    expect(error).toBeInstanceOf(UpstreamBadResponseError);
    expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'src', upstreamStatus: 200 });
  });

  it('should treat a 400 as the upstream rejecting the id', () => {
    const error = classify(400, '{"error":"bad id"}');

    expect(error).toBeInstanceOf(UpstreamRejectedIdError);
    expect(error).toMatchObject({ code: 'VALIDATION_ERROR', source: 'src', errors: [{ field: 'id', message: 'rejected by the upstream as malformed' }] });
    expect((error as Error).message).toContain('"usr 42"');
  });

  it.each([[401], [403]])('should treat a %s as the upstream rejecting the gateway credentials', (status) => {
    const error = classify(status, '{"error":"nope"}');

    expect(error).toBeInstanceOf(UpstreamAuthFailedError);
    expect(error).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', upstreamStatus: status });
  });

  it('should give a 404 the rule says is a missing user as PROFILE_NOT_FOUND', () => {
    const error = classify(404, '{"code":"USER_NOT_FOUND"}');

    expect(error).toBeInstanceOf(ProfileNotFoundError);
    expect(error).toMatchObject({ code: 'PROFILE_NOT_FOUND', source: 'src' });
    expect(seen).toStrictEqual([{ code: 'USER_NOT_FOUND' }]);
  });

  it('should give another 404 as UPSTREAM_ERROR naming the base URL', () => {
    const error = classify(404, '{"code":"NOT_FOUND"}');

    expect(error).toBeInstanceOf(UpstreamFailureError);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 404 });
    expect((error as Error).message).toContain('check baseUrl');
  });

  it('should hand the rule no body when a 404 is not JSON', () => {
    const error = classify(404, '<html>Not Found</html>');

    expect(error).toBeInstanceOf(UpstreamFailureError);
    expect(seen).toStrictEqual([undefined]);
  });

  it('should give a 429 as UPSTREAM_RATE_LIMITED with its Retry-After in seconds', () => {
    const error = classify(429, '{}', { 'retry-after': '30' });

    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect(error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', upstreamStatus: 429, retryAfterSeconds: 30 });
  });

  it('should read a 429 Retry-After given as an HTTP-date', () => {
    expect(classify(429, '', { 'retry-after': 'Mon, 19 Jan 2026 09:16:00 GMT' })).toMatchObject({ retryAfterSeconds: 60 });
  });

  it('should leave retryAfterSeconds undefined for a 429 without Retry-After', () => {
    const error = classify(429, '{}');

    expect(error).toBeInstanceOf(UpstreamRateLimitedError);
    expect((error as UpstreamRateLimitedError).retryAfterSeconds).toBeUndefined();
  });

  it.each([[500], [502], [503], [302], [418]])('should give a %s as UPSTREAM_ERROR', (status) => {
    const error = classify(status, '{"error":{"message":"secret-token-abc leaked"}}', { 'retry-after': '5' });

    expect(error).toBeInstanceOf(UpstreamFailureError);
    expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: status });
    expect((error as Error).message).toBe(`Upstream of source src failed: upstream answered ${status}`);
  });
});
