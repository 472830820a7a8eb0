import { jest } from '@jest/globals';
import { Redis } from 'ioredis';

import type { ApiKeyConfig } from '../config/config.types.js';
import { createKeyRateLimiter, KeyRateLimiter, windowSecondsOf } from './key-rate-limiter.js';

const key = (name: string, rateLimit?: ApiKeyConfig['rateLimit']): ApiKeyConfig => ({ name, keySha256: '0'.repeat(64), sources: ['*'], rateLimit, actions: ['read'] });

describe(KeyRateLimiter.name, () => {
  it('should count requests per key and report what is left', async () => {
    const a = key('a', { limit: 3, windowMs: 10_000 });
    const sut = new KeyRateLimiter({ apiKeys: [a] });

    const first = await sut.consume(a);
    const second = await sut.consume(a);

    expect(first).toEqual({ allowed: true, state: { limit: 3, remaining: 2, resetSeconds: 10, windowSeconds: 10 } });
    expect(second?.state.remaining).toBe(1);
  });

  it('should refuse the request after the limit with the seconds until the window resets', async () => {
    const a = key('a', { limit: 1, windowMs: 30_000 });
    const sut = new KeyRateLimiter({ apiKeys: [a] });
    await sut.consume(a);

    const over = await sut.consume(a);

    expect(over).toEqual({ allowed: false, state: { limit: 1, remaining: 0, resetSeconds: 30, windowSeconds: 30 }, retryAfterSeconds: 30 });
  });

  it('should keep one budget per key', async () => {
    const a = key('a', { limit: 1, windowMs: 60_000 });
    const b = key('b', { limit: 1, windowMs: 60_000 });
    const sut = new KeyRateLimiter({ apiKeys: [a, b] });
    await sut.consume(a);

    expect((await sut.consume(b))?.allowed).toBe(true);
    expect((await sut.consume(a))?.allowed).toBe(false);
  });

  it('should not limit a key without rateLimit', async () => {
    const free = key('free');
    const sut = new KeyRateLimiter({ apiKeys: [free] });

    expect(sut.limits(free)).toBe(false);
    expect(await sut.consume(free)).toBeUndefined();
  });

  it('should fall back to a per-instance count, report it and warn once, when Redis is not connected', async () => {
    const a = key('a', { limit: 2, windowMs: 60_000 });
    const client = new Redis({ host: '127.0.0.1', port: 1, lazyConnect: true });
    const onRedisError = jest.fn();
    const warn = jest.fn();
    const sut = new KeyRateLimiter({ apiKeys: [a], redis: { url: 'redis://127.0.0.1:1', keyPrefix: 'pgw', commandTimeoutMs: 100 }, onRedisError, logger: { warn } }, client);

    const results = [await sut.consume(a), await sut.consume(a), await sut.consume(a)];

    expect(results.map((r) => r?.allowed)).toEqual([true, true, false]);
    expect(onRedisError).toHaveBeenCalledTimes(3);
    expect(warn).toHaveBeenCalledTimes(1);
    await sut.close();
    expect(client.status).toBe('end');
  });
});

describe('createKeyRateLimiter', () => {
  it('should count in memory without opening a connection when no key is limited', async () => {
    const free = key('free');

    const sut = createKeyRateLimiter({ apiKeys: [free], redis: { url: 'redis://127.0.0.1:1', keyPrefix: 'pgw', commandTimeoutMs: 100 } });

    expect(await sut.consume(free)).toBeUndefined();
    await sut.close();
  });
});

describe('windowSecondsOf', () => {
  it.each([
    [60_000, 60],
    [1_500, 2],
    [1, 1],
    [0, 1],
  ])('should turn %p ms into %p whole seconds', (ms, seconds) => {
    expect(windowSecondsOf(ms)).toBe(seconds);
  });
});
