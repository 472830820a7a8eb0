import { jest } from '@jest/globals';
import { Redis } from 'ioredis';

import { fetchSpy, LONG, lookupOf, observerSpy, uniquePrefix, useCacheRedisKit } from '../../test/support/cache-redis-kit.js';
import { type RedisProcess, startRedis } from '../../test/support/redis-server.mjs';
import { waitUntil } from '../../test/support/wait.js';
import { profileCacheKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { createProfileCache } from './index.js';

const REDIS_URL = process.env.REDIS_URL as string;
const kit = useCacheRedisKit(REDIS_URL);
const { openCache } = kit;

describe('ProfileCache when Redis fails', () => {
  let redis: RedisProcess;

  beforeEach(async () => {
    redis = await startRedis();
  });

  afterEach(async () => {
    await redis.stop();
  });

  it('should answer every request while Redis is stopped and resume writing after it restarts', async () => {
    const keyPrefix = uniquePrefix();
    const observer = observerSpy();
    const cache = await openCache({ keyPrefix, url: redis.url, observer });
    const fetch = fetchSpy();
    const keyOf = (id: string) => profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id });
    await cache.get(lookupOf(fetch, LONG, {}, 'before'));
    await cache.whenIdle();

    await redis.stop();
    await waitUntil(() => cache.status() === 'degraded', 2_000, 'the cache to notice');
    const started = Date.now();
    const memoryHit = await cache.get(lookupOf(fetch, LONG, {}, 'before'));
    const upstream = await cache.get(lookupOf(fetch, LONG, {}, 'during'));
    const refreshed = await cache.get(lookupOf(fetch, LONG, { noCache: true }, 'before'));
    await cache.whenIdle();

    expect(Date.now() - started).toBeLessThan(500);
    expect(cacheStatusOf(memoryHit.outcome)).toMatch(/^profile-gateway; hit; ttl=/);
    expect(cacheStatusOf(upstream.outcome)).toBe('profile-gateway; fwd=miss; stored');
    expect(cacheStatusOf(refreshed.outcome)).toBe('profile-gateway; fwd=request; stored');
    expect(observer.onRedisError).toHaveBeenCalledWith('get');
    expect(observer.onRedisError).toHaveBeenCalledWith('set');

    redis = await startRedis(redis.port);
    await waitUntil(() => cache.status() === 'up', 5_000, 'the cache to reconnect');
    await cache.get(lookupOf(fetch, LONG, {}, 'after'));
    await cache.whenIdle();

    const check = new Redis(redis.url);
    try {
      expect(await check.exists(keyOf('after'))).toBe(1);
      expect(await check.exists(keyOf('during'))).toBe(0);
    } finally {
      await check.quit();
    }
  }, 15_000);

  it('should bound every Redis command in time when Redis stops answering', async () => {
    const cache = await openCache({ keyPrefix: uniquePrefix(), url: redis.url });
    const fetch = fetchSpy();
    const admin = new Redis(redis.url);
    try {
      await admin.call('CLIENT', 'PAUSE', '800', 'ALL');
      const started = Date.now();

      const answer = await cache.get(lookupOf(fetch, LONG));

      expect(Date.now() - started).toBeLessThan(600);
      expect(cacheStatusOf(answer.outcome)).toBe('profile-gateway; fwd=miss; stored');
      expect(fetch).toHaveBeenCalledTimes(1);
    } finally {
      await cache.whenIdle();
      await admin.call('CLIENT', 'UNPAUSE');
      await admin.quit();
    }
  });

  it('should become ready once Redis comes up when it was down at start', async () => {
    const port = redis.port;
    await redis.stop();
    const cache = createProfileCache({
      redis: { url: `redis://127.0.0.1:${port}`, keyPrefix: uniquePrefix(), commandTimeoutMs: 200 },
      memory: { maxItems: 10, ttlMs: 1_000 },
      logger: { warn: jest.fn(), error: jest.fn() },
    });
    kit.adopt(cache);
    const fetch = fetchSpy();

    expect(cache.status()).toBe('degraded');
    expect(cacheStatusOf((await cache.get(lookupOf(fetch, LONG))).outcome)).toBe('profile-gateway; fwd=miss; stored');
    redis = await startRedis(port);

    await waitUntil(() => cache.status() === 'up', 5_000, 'the cache to connect');
  });
});
