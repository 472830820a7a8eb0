import { jest } from '@jest/globals';

import type { SourceConfig } from '../config/config.types.js';
import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamRejectedIdError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../profiles/profile.errors.js';
import type { JsonValue } from '../profiles/profile.model.js';
import type { NotFoundRule, RawUpstreamResponse, UpstreamRequest, UpstreamTransport } from '../sources/shared/upstream-http.contract.js';
import { classifyResponse } from '../sources/shared/upstream-response.js';
import { type ResilienceOptions, ResilientUpstreamHttp } from './resilient-upstream-http.js';
import { UpstreamSaturatedError } from './upstream-saturated.error.js';

const T0 = Date.parse('2026-01-19T09:15:00.000Z');
const REQUEST: UpstreamRequest = { path: '/v1/users/1' };
const NOT_FOUND: NotFoundRule = {
  id: '1',
  isProfileNotFound: (body: JsonValue | undefined) => typeof body === 'object' && body !== null && !Array.isArray(body) && body.code === 'USER_NOT_FOUND',
};

/** What the fake transport does on one call: answer, throw, or hang until the lookup's signal fires. */
type Step = RawUpstreamResponse | Error | 'hang' | 'ignore-abort' | { afterMs: number; response: RawUpstreamResponse };

const answer = (status: number, headers: Record<string, string> = {}, body: unknown = { ok: status }): RawUpstreamResponse => ({
  status,
  headers,
  text: JSON.stringify(body),
});
const OK = answer(200, {}, { id: '1' });
const networkError = (): UpstreamFailureError => new UpstreamFailureError('src', 'network error (ECONNRESET)', 0);

function setup(overrides: Partial<SourceConfig> = {}, options: ResilienceOptions = {}) {
  const config = {
    name: 'src',
    kind: 'usertour',
    baseUrl: 'http://upstream.invalid',
    token: 'secret',
    options: {},
    timeoutMs: 2_000,
    retries: 2,
    connectTimeoutMs: 500,
    maxResponseBytes: 100_000,
    maxConcurrency: 4,
    maxQueue: 4,
    circuitBreaker: { failureThreshold: 3, halfOpenAfterMs: 10_000 },
    ...overrides,
  } as Partial<SourceConfig> as SourceConfig;
  const steps: Step[] = [];
  let fallback: Step = OK;
  const callTimes: number[] = [];
  const flight = { now: 0, max: 0 };
  const perform = (step: Step, signal: AbortSignal, budgetMs: number): Promise<RawUpstreamResponse> => {
    if (step === 'ignore-abort') return new Promise<RawUpstreamResponse>(() => undefined);
    if (step === 'hang') {
      return new Promise<RawUpstreamResponse>((_resolve, reject) => {
        signal.addEventListener('abort', () => reject(new UpstreamTimeoutError('src', budgetMs)), { once: true });
      });
    }
    if (step instanceof Error) return Promise.reject(step);
    if ('afterMs' in step) return new Promise((resolve) => setTimeout(() => resolve(step.response), step.afterMs));
    return Promise.resolve(step);
  };
  const get = jest.fn<UpstreamTransport['get']>(async (_request, { signal, budgetMs }) => {
    callTimes.push(Date.now());
    flight.now += 1;
    flight.max = Math.max(flight.max, flight.now);
    try {
      return await perform(steps.shift() ?? fallback, signal, budgetMs);
    } finally {
      flight.now -= 1;
    }
  });
  const transport: UpstreamTransport = { get, destroy: jest.fn() };
  const observer = { onAttempt: jest.fn(), onCircuitState: jest.fn() };
  const sut = new ResilientUpstreamHttp(
    config,
    transport,
    (response, notFound, nowMs) => classifyResponse(config.name, response, notFound, nowMs),
    observer,
    { backoff: { initialDelayMs: 10, maxDelayMs: 50 }, ...options },
  );
  return {
    sut,
    get,
    transport,
    observer,
    callTimes,
    flight,
    script: (...more: Step[]) => steps.push(...more),
    always: (step: Step) => {
      fallback = step;
    },
    lookup: () => sut.getJson(REQUEST, { requestId: 'r1' }, NOT_FOUND),
    lookupTelling: (onAttempt: (status: number) => void) => sut.getJson(REQUEST, { requestId: 'r1', onAttempt }, NOT_FOUND),
  };
}

/** Runs a lookup to its end under fake timers and gives its outcome (value or error) and how long it took. */
async function run<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown; elapsedMs: number }> {
  const started = Date.now();
  const outcome = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await jest.runAllTimersAsync();
  const result = await outcome;
  return { ...result, elapsedMs: Date.now() - started };
}

describe(ResilientUpstreamHttp.name, () => {
  beforeEach(() => {
    jest.useFakeTimers({ now: T0 });
  });

  afterEach(() => {
    jest.useRealTimers();
  });

  describe('retries', () => {
    it('should answer the body of a 200 after one attempt and report it', async () => {
      const { lookup, get, observer } = setup();

      const { value } = await run(lookup());

      expect(value).toStrictEqual({ status: 200, headers: {}, body: { id: '1' } });
      expect(get).toHaveBeenCalledTimes(1);
      expect(observer.onAttempt).toHaveBeenCalledTimes(1);
      expect(observer.onAttempt).toHaveBeenCalledWith('src', 200, expect.any(Number));
    });

    it('should retry a 503 twice and succeed on the third attempt', async () => {
      const { lookup, get, observer, script } = setup();
      script(answer(503), answer(503), OK);

      const { value } = await run(lookup());

      expect(value?.body).toStrictEqual({ id: '1' });
      expect(get).toHaveBeenCalledTimes(3);
      expect(observer.onAttempt.mock.calls.map((call) => call[1])).toStrictEqual([503, 503, 200]);
    });

    it("should tell each attempt's status to the lookup's own context, for its request's log line", async () => {
      const { lookupTelling, script } = setup();
      script(answer(503), networkError(), OK);
      const statuses: number[] = [];

      await run(lookupTelling((status) => statuses.push(status)));

      expect(statuses).toStrictEqual([503, 0, 200]);
    });

    it.each([[502], [504]])('should retry a %s', async (status) => {
      const { lookup, get, script } = setup();
      script(answer(status), OK);

      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(get).toHaveBeenCalledTimes(2);
    });

    it('should retry network failures and report them with status 0', async () => {
      const { lookup, get, observer, script } = setup();
      script(networkError(), networkError(), OK);

      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(get).toHaveBeenCalledTimes(3);
      expect(observer.onAttempt.mock.calls.map((call) => call[1])).toStrictEqual([0, 0, 200]);
    });

    it('should retry an attempt that ran into its own bound while the budget has time left', async () => {
      const { lookup, get, script } = setup();
      script(new UpstreamTimeoutError('src', 500), OK);

      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(get).toHaveBeenCalledTimes(2);
    });

    it('should give up with the last error after retries+1 attempts', async () => {
      const { lookup, get, always } = setup();
      always(answer(503));

      const { error } = await run(lookup());

      expect(error).toBeInstanceOf(UpstreamFailureError);
      expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 503 });
      expect(get).toHaveBeenCalledTimes(3);
    });

    it('should make one attempt when retries is 0', async () => {
      const { lookup, get, always } = setup({ retries: 0 });
      always(answer(503));

      const { error } = await run(lookup());

      expect(error).toMatchObject({ upstreamStatus: 503 });
      expect(get).toHaveBeenCalledTimes(1);
    });

    it.each([
      ['a 500', answer(500), UpstreamFailureError],
      ['a 400', answer(400), UpstreamRejectedIdError],
      ['a 404 for a missing user', answer(404, {}, { code: 'USER_NOT_FOUND' }), ProfileNotFoundError],
      ['a 404 for the route', answer(404, {}, { code: 'NOT_FOUND' }), UpstreamFailureError],
      ['a 401', answer(401), UpstreamAuthFailedError],
      ['a 403', answer(403), UpstreamAuthFailedError],
    ])('should not retry %s', async (_case, response, errorType) => {
      const { lookup, get, always } = setup();
      always(response);

      const { error } = await run(lookup());

      expect(error).toBeInstanceOf(errorType);
      expect(get).toHaveBeenCalledTimes(1);
    });

    it('should wait the Retry-After of a 503 before the next attempt', async () => {
      const { lookup, callTimes, script } = setup({ timeoutMs: 3_000 });
      script(answer(503, { 'retry-after': '1' }), OK);

      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(callTimes).toHaveLength(2);
      expect(callTimes[1]! - callTimes[0]!).toBeGreaterThanOrEqual(1_000);
    });

    it('should fail at once with the last error when the Retry-After would outlive the budget', async () => {
      const { lookup, get, script } = setup({ timeoutMs: 2_000 });
      script(answer(503, { 'retry-after': '5' }), OK);

      const { error, elapsedMs } = await run(lookup());

      expect(error).toMatchObject({ code: 'UPSTREAM_ERROR', upstreamStatus: 503 });
      expect(get).toHaveBeenCalledTimes(1);
      expect(elapsedMs).toBe(0);
    });

    it('should not start an attempt that the rest of the budget could not hold', async () => {
      const { lookup, get, script } = setup({ timeoutMs: 1_000 });
      script(answer(503, { 'retry-after': '1' }), OK);

      const { error, elapsedMs } = await run(lookup());

      expect(error).toMatchObject({ upstreamStatus: 503 });
      expect(get).toHaveBeenCalledTimes(1);
      expect(elapsedMs).toBe(0);
    });

    it('should never wait longer than the backoff maximum between attempts', async () => {
      const { lookup, callTimes, always } = setup({ retries: 3 }, { backoff: { initialDelayMs: 100, maxDelayMs: 300 } });
      always(answer(503));

      await run(lookup());

      const gaps = callTimes.slice(1).map((time, i) => time - callTimes[i]!);
      expect(gaps).toHaveLength(3);
      for (const gap of gaps) {
        expect(gap).toBeGreaterThanOrEqual(0);
        expect(gap).toBeLessThanOrEqual(300);
      }
    });
  });

  describe('time budget', () => {
    it('should fail with UPSTREAM_TIMEOUT exactly when the budget is spent', async () => {
      const { lookup, get, always } = setup({ timeoutMs: 1_000 });
      always('hang');

      const { error, elapsedMs } = await run(lookup());

      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(error).toMatchObject({ code: 'UPSTREAM_TIMEOUT', upstreamStatus: 0 });
      expect(elapsedMs).toBe(1_000);
      expect(get).toHaveBeenCalledTimes(1);
    });

    it('should answer at the budget even when the transport ignores the abort', async () => {
      const { lookup, always } = setup({ timeoutMs: 1_000 });
      always('ignore-abort');

      const { error, elapsedMs } = await run(lookup());

      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(elapsedMs).toBe(1_000);
    });

    it('should count retries against the same budget', async () => {
      const { lookup, get, script } = setup({ timeoutMs: 1_000 });
      script(answer(503), 'hang');

      const { error, elapsedMs } = await run(lookup());

      expect(error).toBeInstanceOf(UpstreamTimeoutError);
      expect(elapsedMs).toBe(1_000);
      expect(get).toHaveBeenCalledTimes(2);
    });

    it('should pass the connect bound and the optional header and body bounds to every attempt', async () => {
      const { lookup, get } = setup({ connectTimeoutMs: 300 }, { headersTimeoutMs: 700, bodyTimeoutMs: 900 });

      await run(lookup());

      expect(get).toHaveBeenCalledWith(REQUEST, {
        signal: expect.any(AbortSignal),
        budgetMs: 2_000,
        requestId: 'r1',
        limits: { connectMs: 300, headersMs: 700, bodyMs: 900 },
      });
    });

    it("should send the caller's request id with every attempt, retries included", async () => {
      const { lookup, get, script } = setup();
      script(answer(503), answer(503), OK);

      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(get.mock.calls.map(([, attempt]) => attempt.requestId)).toEqual(['r1', 'r1', 'r1']);
    });
  });

  describe('circuit breaker', () => {
    it('should be closed at first', () => {
      const { sut } = setup();

      expect(sut.circuitState()).toBe('closed');
    });

    it('should open after failureThreshold failed lookups and then fail fast without calling the upstream', async () => {
      const { sut, lookup, get, observer, always } = setup({ retries: 0 });
      always(answer(500));
      for (let i = 0; i < 3; i++) await run(lookup());

      const { error, elapsedMs } = await run(lookup());

      expect(sut.circuitState()).toBe('open');
      expect(observer.onCircuitState).toHaveBeenCalledWith('src', 'open');
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 10 });
      expect(elapsedMs).toBe(0);
      expect(get).toHaveBeenCalledTimes(3);
    });

    it('should count a lookup once, however many attempts it made', async () => {
      const { sut, lookup, get, always } = setup({ retries: 2 });
      always(answer(503));

      await run(lookup());
      await run(lookup());

      expect(get).toHaveBeenCalledTimes(6);
      expect(sut.circuitState()).toBe('closed');
    });

    it('should tell how long until the trial call in retryAfterSeconds', async () => {
      const { lookup, always } = setup({ retries: 0 });
      always(answer(500));
      for (let i = 0; i < 3; i++) await run(lookup());

      jest.setSystemTime(Date.now() + 7_500);
      const { error } = await run(lookup());

      expect(error).toMatchObject({ retryAfterSeconds: 3 });
    });

    it('should half-open after the cool-down and close when the trial call succeeds', async () => {
      const { sut, lookup, get, observer, always } = setup({ retries: 0 });
      always(answer(500));
      for (let i = 0; i < 3; i++) await run(lookup());
      always(OK);

      jest.setSystemTime(Date.now() + 10_000);
      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(get).toHaveBeenCalledTimes(4);
      expect(sut.circuitState()).toBe('closed');
      expect(observer.onCircuitState.mock.calls.map((call) => call[1])).toStrictEqual(['open', 'half-open', 'closed']);
    });

    it('should let one trial call through while half-open and fail the lookups that waited on it when it fails', async () => {
      const { sut, lookup, get, script, always } = setup({ retries: 0 });
      always(answer(500));
      for (let i = 0; i < 3; i++) await run(lookup());
      jest.setSystemTime(Date.now() + 10_000);
      script({ afterMs: 200, response: answer(500) });

      const outcomes = Promise.all([run(lookup()), run(lookup()), run(lookup())]);
      const [trial, ...waiters] = await outcomes;

      expect(get).toHaveBeenCalledTimes(4);
      expect(trial.error).toBeInstanceOf(UpstreamFailureError);
      for (const waiter of waiters) expect(waiter.error).toBeInstanceOf(UpstreamUnavailableError);
      expect(sut.circuitState()).toBe('open');
    });

    it('should open again when the trial call fails', async () => {
      const { sut, lookup, get, always } = setup({ retries: 0 });
      always(answer(500));
      for (let i = 0; i < 3; i++) await run(lookup());

      jest.setSystemTime(Date.now() + 10_000);
      await run(lookup());
      const { error } = await run(lookup());

      expect(sut.circuitState()).toBe('open');
      expect(error).toBeInstanceOf(UpstreamUnavailableError);
      expect(get).toHaveBeenCalledTimes(4);
    });

    it.each([
      ['timeouts', 'hang' as const],
      ['network failures', networkError()],
    ])('should count %s', async (_case, step) => {
      const { sut, lookup, always } = setup({ retries: 0, timeoutMs: 100 });
      always(step);

      for (let i = 0; i < 3; i++) await run(lookup());

      expect(sut.circuitState()).toBe('open');
    });

    it.each([
      ['missing users', answer(404, {}, { code: 'USER_NOT_FOUND' })],
      ['rejected ids', answer(400)],
      ['credential refusals', answer(401)],
      ['bodies that are not JSON', { status: 200, headers: {}, text: '<html>' }],
    ])('should not count %s', async (_case, response) => {
      const { sut, lookup, always } = setup({ retries: 0 });
      always(response);

      for (let i = 0; i < 5; i++) await run(lookup());

      expect(sut.circuitState()).toBe('closed');
    });

    it('should start counting again after an upstream answer such as a 404', async () => {
      const { sut, lookup, script } = setup({ retries: 0 });
      script(answer(500), answer(500), answer(404, {}, { code: 'USER_NOT_FOUND' }), answer(500), answer(500));

      for (let i = 0; i < 5; i++) await run(lookup());

      expect(sut.circuitState()).toBe('closed');
    });
  });

  describe('upstream rate limit', () => {
    const epoch = (offsetSeconds: number): string => String(T0 / 1000 + offsetSeconds);

    it('should stop calling the upstream until the reset once it announces that no requests remain', async () => {
      const { sut, lookup, get, script } = setup();
      script(answer(200, { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch(30) }, { id: '1' }));

      const first = await run(lookup());
      const second = await run(lookup());

      expect(first.value?.status).toBe(200);
      expect(second.error).toBeInstanceOf(UpstreamRateLimitedError);
      expect(second.error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', retryAfterSeconds: 30, upstreamStatus: 0 });
      expect(get).toHaveBeenCalledTimes(1);
      expect(sut.rateLimitedUntil()).toBe(T0 + 30_000);
    });

    it('should call the upstream again after the reset', async () => {
      const { sut, lookup, get, script } = setup();
      script(answer(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch(30) }, { id: '1' }));
      await run(lookup());

      jest.setSystemTime(T0 + 30_000);
      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(get).toHaveBeenCalledTimes(2);
      expect(sut.rateLimitedUntil()).toBe(0);
    });

    it('should not count refusals of its own gate against the circuit', async () => {
      const { sut, lookup, script } = setup({ circuitBreaker: { failureThreshold: 1, halfOpenAfterMs: 10_000 } });
      script(answer(200, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch(30) }, { id: '1' }));
      await run(lookup());

      await run(lookup());
      await run(lookup());

      expect(sut.circuitState()).toBe('closed');
    });

    it('should wait the Retry-After of a 429 and then succeed', async () => {
      const { lookup, callTimes, script } = setup({ timeoutMs: 3_000 });
      script(answer(429, { 'retry-after': '1' }), OK);

      const { value } = await run(lookup());

      expect(value?.status).toBe(200);
      expect(callTimes[1]! - callTimes[0]!).toBeGreaterThanOrEqual(1_000);
    });

    it('should fail at once with the wait of a Vemetric 429 whose reset lies beyond the budget, and keep the gate shut', async () => {
      const { sut, lookup, get, script } = setup();
      script(answer(429, { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': epoch(45) }));

      const first = await run(lookup());
      const second = await run(lookup());

      expect(first.error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', upstreamStatus: 429, retryAfterSeconds: 45 });
      expect(first.elapsedMs).toBe(0);
      expect(second.error).toMatchObject({ code: 'UPSTREAM_RATE_LIMITED', upstreamStatus: 0, retryAfterSeconds: 45 });
      expect(get).toHaveBeenCalledTimes(1);
      expect(sut.rateLimitedUntil()).toBe(T0 + 45_000);
    });

    it('should give UPSTREAM_RATE_LIMITED after retries when the upstream keeps answering 429', async () => {
      const { sut, lookup, get, always } = setup();
      always(answer(429));

      const { error } = await run(lookup());

      expect(error).toBeInstanceOf(UpstreamRateLimitedError);
      expect(error).toMatchObject({ upstreamStatus: 429 });
      expect(get).toHaveBeenCalledTimes(3);
      expect(sut.rateLimitedUntil()).toBe(0);
    });

    it('should count a persistent 429 against the circuit', async () => {
      const { sut, lookup, always } = setup({ retries: 0, circuitBreaker: { failureThreshold: 1, halfOpenAfterMs: 10_000 } });
      always(answer(429));

      await run(lookup());

      expect(sut.circuitState()).toBe('open');
    });
  });

  describe('bulkhead', () => {
    it('should keep at most maxConcurrency calls in flight, queue maxQueue and refuse the rest at once', async () => {
      const { lookup, get, always } = setup({ maxConcurrency: 1, maxQueue: 1, timeoutMs: 1_000 });
      always('hang');

      const first = lookup().catch((error: unknown) => error);
      const second = lookup().catch((error: unknown) => error);
      const third = await run(lookup());

      expect(third.error).toBeInstanceOf(UpstreamSaturatedError);
      expect(third.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', retryAfterSeconds: 1 });
      expect((third.error as Error).message).toContain('saturated');
      await expect(first).resolves.toBeInstanceOf(UpstreamTimeoutError);
      await expect(second).resolves.toBeInstanceOf(UpstreamTimeoutError);
      expect(get).toHaveBeenCalledTimes(1);
    });

    it('should count the wait in the queue against the budget', async () => {
      const { lookup, get, always } = setup({ maxConcurrency: 1, maxQueue: 1, timeoutMs: 1_000 });
      always('hang');

      const first = run(lookup());
      const second = run(lookup());
      const [a, b] = await Promise.all([first, second]);

      expect(a.error).toBeInstanceOf(UpstreamTimeoutError);
      expect(b.error).toBeInstanceOf(UpstreamTimeoutError);
      expect(b.elapsedMs).toBe(1_000);
      expect(get).toHaveBeenCalledTimes(1);
    });

    it('should hand a freed slot to the next call in the queue', async () => {
      const { lookup, callTimes, flight, script } = setup({ maxConcurrency: 1, maxQueue: 1, timeoutMs: 1_000 });
      script({ afterMs: 300, response: OK }, OK);

      const [a, b] = await Promise.all([run(lookup()), run(lookup())]);

      expect(a.value?.status).toBe(200);
      expect(b.value?.status).toBe(200);
      expect(callTimes.map((time) => time - T0)).toStrictEqual([0, 300]);
      expect(flight.max).toBe(1);
    });
  });

  it('should destroy the transport on close', () => {
    const { sut, transport } = setup();

    sut.close();

    expect(transport.destroy).toHaveBeenCalledTimes(1);
  });
});
