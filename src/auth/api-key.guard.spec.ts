import { createHash } from 'node:crypto';

import { jest } from '@jest/globals';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { type Item, parseList } from 'structured-headers';

import type { ApiKeyConfig } from '../config/config.types.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { RequestFacts } from '../metrics/request-context.js';
import { ForbiddenError, RateLimitedError, UnauthorizedError } from '../profiles/profile.errors.js';
import { ApiKeyAuthenticator } from './api-key.authenticator.js';
import { ApiKeyGuard, rateLimitHeaders } from './api-key.guard.js';
import { KeyRateLimiter } from './key-rate-limiter.js';

const sha256 = (key: string): string => createHash('sha256').update(key, 'utf8').digest('hex');

const ALL: ApiKeyConfig = { name: 'dashboard', keySha256: sha256('all-key'), sources: ['*'], actions: ['read'] };
const SCOPED: ApiKeyConfig = { name: 'warmer', keySha256: sha256('scoped-key'), sources: ['crm'], rateLimit: { limit: 2, windowMs: 60_000 }, actions: ['read'] };

function setup(disabled = false) {
  const apiKeys = [ALL, SCOPED];
  const metrics = new GatewayMetrics({ sourceNames: ['crm', 'analytics'], defaultMetrics: false });
  const sut = new ApiKeyGuard(new ApiKeyAuthenticator({ disabled, apiKeys }), new KeyRateLimiter({ apiKeys }), metrics, new Reflector());
  const call = async (source: string, authorization?: string) => {
    const facts: RequestFacts = { upstreamAttempts: 0 };
    const headers: Record<string, string> = {};
    const request = { headers: authorization === undefined ? {} : { authorization }, params: { source, id: '1' }, facts };
    const reply = { headers: jest.fn((values: Record<string, string>) => Object.assign(headers, values)) };
    const context = {
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
      getHandler: () => () => undefined,
    } as unknown as ExecutionContext;
    // A synchronous answer (or throw) and a promise are read alike.
    const outcome = await Promise.resolve().then(() => sut.canActivate(context)).then(
      (value) => ({ value, error: undefined }),
      (error: unknown) => ({ value: undefined, error }),
    );
    return { ...outcome, facts, headers };
  };
  const callDirect = (source: string, authorization: string) =>
    sut.canActivate({
      switchToHttp: () => ({ getRequest: () => ({ headers: { authorization }, params: { source, id: '1' }, facts: null }), getResponse: () => ({ headers: () => undefined }) }),
      getHandler: () => handler,
    } as unknown as ExecutionContext);
  const handler = (): undefined => undefined;
  return { call, callDirect, metrics };
}

async function metricLine(metrics: GatewayMetrics, prefix: string): Promise<string | undefined> {
  return (await metrics.render()).split('\n').find((line) => line.startsWith(prefix));
}

describe(ApiKeyGuard.name, () => {
  it('should let a valid key through and record its name, never the key', async () => {
    const { call } = setup();

    const { value, facts } = await call('analytics', 'Bearer all-key');

    expect(value).toBe(true);
    expect(facts.keyName).toBe('dashboard');
    expect(JSON.stringify(facts)).not.toContain('all-key');
  });

  it('should decide synchronously for a key without a rate limit, and with a promise for a limited one', async () => {
    const { callDirect } = setup();

    expect(callDirect('crm', 'Bearer all-key')).toBe(true);
    const limited = callDirect('crm', 'Bearer scoped-key');
    expect(limited).toBeInstanceOf(Promise);
    await expect(limited).resolves.toBe(true);
  });

  it('should answer 401 for a missing key and count it as missing', async () => {
    const { call, metrics } = setup();

    const { error } = await call('crm');

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(await metricLine(metrics, 'gateway_auth_rejections_total{reason="missing"}')).toMatch(/ 1$/);
  });

  it('should answer 401, not 403, for an unknown key on a source it names', async () => {
    const { call, metrics } = setup();

    const { error, facts } = await call('directory', 'Bearer wrong-key');

    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(facts.keyName).toBeUndefined();
    expect(await metricLine(metrics, 'gateway_auth_rejections_total{reason="invalid"}')).toMatch(/ 1$/);
  });

  it('should answer 403 when the key does not list the source, configured or not', async () => {
    const { call, metrics } = setup();

    expect((await call('analytics', 'Bearer scoped-key')).error).toBeInstanceOf(ForbiddenError);
    expect((await call('no-such-source', 'Bearer all-key')).error).toBeUndefined();
    expect(await metricLine(metrics, 'gateway_auth_rejections_total{reason="forbidden"}')).toMatch(/ 1$/);
  });

  it('should send RateLimit headers for a limited key and none for an unlimited one', async () => {
    const { call } = setup();

    const limited = await call('crm', 'Bearer scoped-key');
    const unlimited = await call('crm', 'Bearer all-key');

    expect(limited.headers).toEqual({ 'ratelimit-policy': '"warmer";q=2;w=60', ratelimit: '"warmer";r=1;t=60' });
    expect(unlimited.headers).toEqual({});
  });

  it('should answer 429 with a Retry-After once the budget is spent, before the scope check', async () => {
    const { call, metrics } = setup();
    await call('crm', 'Bearer scoped-key');
    await call('crm', 'Bearer scoped-key');

    const third = await call('analytics', 'Bearer scoped-key');

    expect(third.error).toBeInstanceOf(RateLimitedError);
    expect((third.error as RateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(59);
    expect((third.error as RateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(60);
    expect(third.headers.ratelimit).toMatch(/^"warmer";r=0;t=/);
    expect(await metricLine(metrics, 'gateway_rate_limited_requests_total{key="warmer"}')).toMatch(/ 1$/);
  });

  it('should let every request through without a key when auth is disabled', async () => {
    const { call } = setup(true);

    const { value, headers, facts } = await call('anything');

    expect(value).toBe(true);
    expect(headers).toEqual({});
    expect(facts.keyName).toBeUndefined();
  });
});

describe('rateLimitHeaders', () => {
  const state = { limit: 600, remaining: 599, resetSeconds: 42, windowSeconds: 60 };
  const item = (value: string) => {
    const list = parseList(value);
    expect(list).toHaveLength(1);
    const [bare, params] = list[0] as Item;
    return { name: bare, params: Object.fromEntries(params) };
  };

  it('should write the draft-10 fields named after the key, parseable as RFC 8941 lists', () => {
    const headers = rateLimitHeaders('admin-dashboard', state);

    expect(Object.keys(headers).sort()).toEqual(['ratelimit', 'ratelimit-policy']);
    expect(item(headers['ratelimit-policy']!)).toEqual({ name: 'admin-dashboard', params: { q: 600, w: 60 } });
    expect(item(headers.ratelimit!)).toEqual({ name: 'admin-dashboard', params: { r: 599, t: 42 } });
  });

  it.each([
    ['a quote', 'say "hi"', 'say "hi"'],
    ['a backslash', 'dom\\user', 'dom\\user'],
    ['non-ASCII and control characters', 'caf\u00e9\u0007', 'caf??'],
  ])('should keep a key name with %s a valid sf-string', (_label, name, parsed) => {
    const headers = rateLimitHeaders(name, state);

    expect(item(headers['ratelimit-policy']!).name).toBe(parsed);
    expect(item(headers.ratelimit!).name).toBe(parsed);
  });
});
