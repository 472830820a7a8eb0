import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { jest } from '@jest/globals';
import { HttpService } from '@nestjs/axios';
import axios, { type AddressFamily, type LookupAddress } from 'axios';

import { type FakeRequest, type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import type { SourceConfig } from '../config/config.types.js';
import {
  ProfileNotFoundError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamRejectedIdError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../profiles/profile.errors.js';
import type { JsonValue } from '../profiles/profile.model.js';
import type { NotFoundRule, UpstreamObserver } from '../sources/shared/upstream-http.contract.js';
import { createUpstreamHttp } from '../sources/upstream-http.factory.js';
import type { ResilienceOptions, ResilientUpstreamHttp } from './resilient-upstream-http.js';

const USER = { user: { id: '15241578750190521233', identifier: 'user-3' } };
const NOT_FOUND: NotFoundRule = {
  id: '15241578750190521233',
  isProfileNotFound: (body: JsonValue | undefined) =>
    typeof body === 'object' && body !== null && !Array.isArray(body) && JSON.stringify(body).includes('USER_NOT_FOUND'),
};

function sourceConfig(baseUrl: string, overrides: Partial<SourceConfig> = {}): SourceConfig {
  return {
    name: 'product-analytics',
    kind: 'vemetric',
    baseUrl,
    token: 'vem_abcdefghijklmnopqrstuvwxyz012345',
    options: {},
    timeoutMs: 1_000,
    retries: 2,
    connectTimeoutMs: 500,
    maxResponseBytes: 100_000,
    maxConcurrency: 4,
    maxQueue: 10,
    circuitBreaker: { failureThreshold: 5, halfOpenAfterMs: 30_000 },
    cache: { ttlMs: 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, notFoundTtlMs: 0 },
    ...overrides,
  };
}

/** How long a promise took to settle, and with what. */
async function timed<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; elapsedMs: number }> {
  const started = performance.now();
  try {
    const value = await promise;
    return { value, elapsedMs: performance.now() - started };
  } catch (error) {
    return { error, elapsedMs: performance.now() - started };
  }
}

describe('upstream resilience over HTTP', () => {
  let fake: FakeUpstream;
  /** Requests answered so far, and the most the fake held at once. */
  const load = { answered: 0, peak: 0 };
  const clients: ResilientUpstreamHttp[] = [];

  function client(overrides: Partial<SourceConfig> = {}, observer: UpstreamObserver = {}, options: ResilienceOptions = {}): ResilientUpstreamHttp {
    const created = createUpstreamHttp(sourceConfig(fake.url, overrides), new HttpService(axios.create()), observer, {
      backoff: { initialDelayMs: 20, maxDelayMs: 100 },
      ...options,
    });
    clients.push(created);
    return created;
  }

  const lookup = (sut: ResilientUpstreamHttp) => sut.getJson({ path: '/v1/users/single', query: [['id', NOT_FOUND.id]] }, { requestId: 'r1' }, NOT_FOUND);

  beforeAll(async () => {
    fake = await startFakeUpstream((_request: FakeRequest) => {
      load.peak = Math.max(load.peak, fake.calls.length - load.answered);
      load.answered += 1;
      return { status: 200, body: USER };
    });
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => {
    fake.reset();
    load.answered = 0;
    load.peak = 0;
  });

  afterEach(() => {
    for (const created of clients.splice(0)) created.close();
  });

  describe('request target', () => {
    it.each([
      ['an encoded dot-dot id', '', '/v1/users/%2E%2E', '/v1/users/%2E%2E'],
      ['an encoded dot id below a base path', '/api', '/v1/users/%2E', '/api/v1/users/%2E'],
      ['an encoded slash', '', '/v1/users/a%2F..%2Fb', '/v1/users/a%2F..%2Fb'],
    ])('should send %s exactly as encoded', async (_case, basePath, path, expected) => {
      const sut = createUpstreamHttp(sourceConfig(fake.url + basePath), new HttpService(axios.create()));
      clients.push(sut);

      await sut.getJson({ path, query: [['q', 'a b']] }, { requestId: 'r1' }, NOT_FOUND);

      expect(fake.calls[0]?.rawPath).toBe(expected);
      expect(fake.calls[0]?.query).toStrictEqual([['q', 'a b']]);
    });
  });

  describe('total time budget', () => {
    it.each([
      ['hangs', { type: 'hang' as const }],
      ['sends its headers late', { type: 'delayHeaders' as const, ms: 5_000 }],
      ['sends its body slowly', { type: 'slowBody' as const, ms: 5_000 }],
    ])('should answer UPSTREAM_TIMEOUT within the 1 s budget when the upstream %s', async (_case, behaviour) => {
      const sut = client({ timeoutMs: 1_000 });
      fake.setDefault(behaviour);

      const { error, elapsedMs } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(elapsedMs).toBeGreaterThanOrEqual(950);
      expect(elapsedMs).toBeLessThan(2_500);
    });

    it('should bound each connect by connectTimeoutMs and retry it within the budget', async () => {
      const onAttempt = jest.fn<NonNullable<UpstreamObserver['onAttempt']>>();
      const port = new URL(fake.url).port;
      // A name lookup that takes 5 s keeps the socket connecting, like an unreachable host.
      const slowLookup = (_hostname: string, _options: object, callback: (error: Error | null, address: LookupAddress, family?: AddressFamily) => void): void => {
        setTimeout(() => callback(null, '127.0.0.1', 4), 5_000).unref();
      };
      const sut = createUpstreamHttp(
        sourceConfig(`http://upstream.test:${port}`, { timeoutMs: 2_000, connectTimeoutMs: 200 }),
        new HttpService(axios.create({ lookup: slowLookup })),
        { onAttempt },
        { backoff: { initialDelayMs: 20, maxDelayMs: 50 } },
      );
      clients.push(sut);

      const { error, elapsedMs } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(onAttempt.mock.calls.map(([, status]) => status)).toStrictEqual([0, 0, 0]);
      expect(elapsedMs).toBeGreaterThanOrEqual(600);
      expect(elapsedMs).toBeLessThan(1_500);
      expect(fake.calls).toHaveLength(0);
    });

    it('should retry an attempt whose headers miss their own bound while the budget has time left', async () => {
      const sut = client({ timeoutMs: 2_000 }, {}, { headersTimeoutMs: 300 });
      fake.enqueue({ type: 'delayHeaders', ms: 1_500 });

      const { value, elapsedMs } = await timed(lookup(sut));

      expect(value?.body).toStrictEqual(USER);
      expect(fake.calls).toHaveLength(2);
      expect(elapsedMs).toBeLessThan(1_500);
    });

    it('should retry an attempt whose body misses its own bound while the budget has time left', async () => {
      const sut = client({ timeoutMs: 2_000 }, {}, { bodyTimeoutMs: 300 });
      fake.enqueue({ type: 'slowBody', ms: 1_500 });

      const { value, elapsedMs } = await timed(lookup(sut));

      expect(value?.body).toStrictEqual(USER);
      expect(fake.calls).toHaveLength(2);
      expect(elapsedMs).toBeLessThan(1_500);
    });
  });

  describe('retries', () => {
    it('should retry 503 twice, then succeed, reporting every attempt', async () => {
      const onAttempt = jest.fn<NonNullable<UpstreamObserver['onAttempt']>>();
      const sut = client({}, { onAttempt });
      fake.enqueue({ type: 'status', status: 503, body: { error: 'busy' } }, 2);

      const { value } = await timed(lookup(sut));

      expect(value?.body).toStrictEqual(USER);
      expect(fake.calls).toHaveLength(3);
      expect(onAttempt.mock.calls.map(([source, status]) => [source, status])).toStrictEqual([
        ['product-analytics', 503],
        ['product-analytics', 503],
        ['product-analytics', 200],
      ]);
    });

    it('should not retry a 500', async () => {
      const sut = client();
      fake.setDefault({ type: 'status', status: 500, body: { error: { code: 'INTERNAL_ERROR' } } });

      const { error } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamFailureError);
      expect(error).toMatchObject({ upstreamStatus: 500 });
      expect(fake.calls).toHaveLength(1);
    });

    it.each([
      ['400', 400, UpstreamRejectedIdError],
      ['404', 404, ProfileNotFoundError],
    ])('should not retry a %s', async (_case, status, errorType) => {
      const sut = client();
      fake.setDefault({ type: 'status', status, body: { error: { code: status === 404 ? 'USER_NOT_FOUND' : 'VALIDATION_ERROR' } } });

      const { error } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(errorType);
      expect(fake.calls).toHaveLength(1);
    });

    it('should retry a reset connection, then fail with UPSTREAM_ERROR status 0', async () => {
      const sut = client();
      fake.setDefault({ type: 'reset' });

      const { error } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamFailureError);
      expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 0 });
      expect((error as Error).message).not.toContain(fake.url);
      expect(fake.calls).toHaveLength(3);
    });

    it('should wait the Retry-After of a 429 before the retry', async () => {
      const sut = client({ timeoutMs: 3_000 });
      fake.enqueue({ type: 'status', status: 429, headers: { 'retry-after': '1' } });

      const { value, elapsedMs } = await timed(lookup(sut));

      expect(value?.body).toStrictEqual(USER);
      expect(fake.calls).toHaveLength(2);
      expect(elapsedMs).toBeGreaterThanOrEqual(1_000);
      expect(elapsedMs).toBeLessThan(2_000);
    });

    it('should fail at once when the Retry-After lies beyond the budget', async () => {
      const sut = client({ timeoutMs: 1_000 });
      fake.enqueue({ type: 'status', status: 429, headers: { 'retry-after': '5' } });

      const { error, elapsedMs } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamRateLimitedError);
      expect(error).toMatchObject({ upstreamStatus: 429, retryAfterSeconds: 5 });
      expect(elapsedMs).toBeLessThan(300);
      expect(fake.calls).toHaveLength(1);
    });

    it('should give UPSTREAM_RATE_LIMITED when 429s without a wait persist through the retries', async () => {
      const sut = client();
      fake.setDefault({ type: 'status', status: 429, body: { error: { code: 'RATE_LIMIT_EXCEEDED' } } });

      const { error } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamRateLimitedError);
      expect(fake.calls).toHaveLength(3);
    });
  });

  describe('upstream rate limit (Vemetric headers)', () => {
    it('should make no call until the reset once a 200 announces that no requests remain', async () => {
      const sut = client();
      const reset = Math.ceil(Date.now() / 1000) + 30;
      fake.enqueue({
        type: 'status',
        status: 200,
        body: USER,
        headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      });

      const first = await timed(lookup(sut));
      const second = await timed(lookup(sut));

      expect(first.value?.body).toStrictEqual(USER);
      expect(second.error).toBeInstanceOf(UpstreamRateLimitedError);
      expect((second.error as UpstreamRateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(29);
      expect((second.error as UpstreamRateLimitedError).retryAfterSeconds).toBeLessThanOrEqual(31);
      expect(second.elapsedMs).toBeLessThan(50);
      expect(fake.calls).toHaveLength(1);
      expect(sut.rateLimitedUntil()).toBe(reset * 1000);
    });

    it('should fail at once on a 429 whose reset lies beyond the budget', async () => {
      const sut = client({ timeoutMs: 1_000 });
      const reset = Math.ceil(Date.now() / 1000) + 20;
      fake.enqueue({
        type: 'status',
        status: 429,
        body: { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded. Try again shortly.' } },
        headers: { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) },
      });

      const { error, elapsedMs } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamRateLimitedError);
      expect((error as UpstreamRateLimitedError).retryAfterSeconds).toBeGreaterThanOrEqual(19);
      expect(elapsedMs).toBeLessThan(300);
      expect(fake.calls).toHaveLength(1);
    });
  });

  describe('circuit breaker', () => {
    it('should open after the threshold, fail fast without calling, leave other sources alone, then half-open and close', async () => {
      const states: string[] = [];
      const onCircuitState = (source: string, state: string): void => void states.push(`${source}:${state}`);
      const sut = client({ retries: 0, circuitBreaker: { failureThreshold: 2, halfOpenAfterMs: 300 } }, { onCircuitState });
      const other = client({ name: 'crm-usertour', retries: 0, circuitBreaker: { failureThreshold: 2, halfOpenAfterMs: 300 } });
      fake.setDefault({ type: 'status', status: 503 });
      await timed(lookup(sut));
      await timed(lookup(sut));
      fake.setDefault(null);

      const open = await timed(lookup(sut));
      const otherAnswer = await timed(lookup(other));

      expect(sut.circuitState()).toBe('open');
      expect(open.error).toBeInstanceOf(UpstreamUnavailableError);
      expect((open.error as UpstreamUnavailableError).retryAfterSeconds).toBe(1);
      expect(open.elapsedMs).toBeLessThan(50);
      expect(otherAnswer.value?.body).toStrictEqual(USER);
      expect(other.circuitState()).toBe('closed');
      expect(fake.calls).toHaveLength(3);

      await new Promise((resolve) => setTimeout(resolve, 350));
      const trial = await timed(lookup(sut));

      expect(trial.value?.body).toStrictEqual(USER);
      expect(sut.circuitState()).toBe('closed');
      expect(states).toStrictEqual(['product-analytics:open', 'product-analytics:half-open', 'product-analytics:closed']);
      expect(fake.calls).toHaveLength(4);
    });
  });

  describe('bulkhead', () => {
    it('should never hold more than maxConcurrency requests at the upstream', async () => {
      const sut = client({ maxConcurrency: 2, maxQueue: 10, timeoutMs: 2_000 });
      fake.setLatency(100);

      const results = await Promise.all(Array.from({ length: 6 }, () => timed(lookup(sut))));

      expect(results.every((result) => result.value !== undefined)).toBe(true);
      expect(load.peak).toBe(2);
    });

    it('should refuse a call at once when the queue is full', async () => {
      const sut = client({ maxConcurrency: 1, maxQueue: 1, timeoutMs: 2_000 });
      fake.setLatency(200);

      const results = await Promise.all([timed(lookup(sut)), timed(lookup(sut)), timed(lookup(sut))]);

      expect(results[0]?.value?.body).toStrictEqual(USER);
      expect(results[1]?.value?.body).toStrictEqual(USER);
      expect(results[2]?.error).toBeInstanceOf(UpstreamUnavailableError);
      expect(results[2]?.elapsedMs).toBeLessThan(100);
      expect(fake.calls).toHaveLength(2);
    });
  });

  describe('response body', () => {
    it('should refuse a 5 MB body as UPSTREAM_BAD_RESPONSE without retrying', async () => {
      const sut = client({ maxResponseBytes: 100_000 });
      fake.setDefault({ type: 'huge', bytes: 5 * 1024 * 1024 });

      const { error } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expect(error).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', upstreamStatus: 200 });
      expect(fake.calls).toHaveLength(1);
    });

    it('should refuse a non-JSON body as UPSTREAM_BAD_RESPONSE', async () => {
      const sut = client();
      fake.setDefault({ type: 'garbage' });

      const { error } = await timed(lookup(sut));

      expect(error).toBeInstanceOf(UpstreamBadResponseError);
      expect(fake.calls).toHaveLength(1);
    });

    it('should cut off an endless body without a length at the limit, long before the budget', async () => {
      let sent = 0;
      const endless = http.createServer((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = Buffer.alloc(16 * 1024, 'x');
        const pump = (): void => {
          while (!res.destroyed && res.write(chunk)) sent += chunk.length;
          if (!res.destroyed) res.once('drain', pump);
        };
        pump();
      });
      await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
      const port = (endless.address() as AddressInfo).port;
      const sut = createUpstreamHttp(sourceConfig(`http://127.0.0.1:${port}`, { maxResponseBytes: 100_000, timeoutMs: 5_000 }), new HttpService(axios.create()));
      clients.push(sut);

      try {
        const { error, elapsedMs } = await timed(lookup(sut));

        expect(error).toBeInstanceOf(UpstreamBadResponseError);
        expect(elapsedMs).toBeLessThan(1_000);
        expect(sent).toBeLessThan(50 * 1024 * 1024);
      } finally {
        endless.closeAllConnections();
        await new Promise<void>((resolve) => endless.close(() => resolve()));
      }
    });
  });
});
