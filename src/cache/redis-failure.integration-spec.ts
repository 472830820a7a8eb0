import { jest } from '@jest/globals';
import { Redis } from 'ioredis';

import { type RedisProcess, startRedis } from '../../test/support/redis-server.mjs';
import { testFetched } from '../../test/support/test-profiles.js';
import type { CachePolicy } from '../config/config.types.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileCacheKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { type CacheDirectives, type CacheLookup, type CacheObserver, createProfileCache, type ProfileCache } from './index.js';

const REDIS_URL = process.env.REDIS_URL as string;
const LONG: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };

let prefixCounter = 0;
const opened: ProfileCache[] = [];
let raw: Redis;

function uniquePrefix(): string {
  prefixCounter += 1;
  return `it-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function observerSpy() {
  return { onOutcome: jest.fn<CacheObserver['onOutcome']>(), onRedisError: jest.fn<CacheObserver['onRedisError']>() };
}

async function openCache(options: { keyPrefix: string; url?: string; memoryTtlMs?: number; observer?: CacheObserver }): Promise<ProfileCache> {
  const cache = createProfileCache({
    redis: { url: options.url ?? REDIS_URL, keyPrefix: options.keyPrefix, commandTimeoutMs: 200 },
    memory: { maxItems: 1_000, ttlMs: options.memoryTtlMs ?? 60_000 },
    logger: { warn: jest.fn(), error: jest.fn() },
    ...(options.observer ? { observer: options.observer } : {}),
  });
  opened.push(cache);
  await waitUntil(() => cache.status() === 'up', 5_000, 'Redis to connect');
  return cache;
}

function lookupOf(fetch: () => Promise<FetchedProfile>, policy: CachePolicy, directives: CacheDirectives = {}, id = 'usr_1'): CacheLookup {
  return { key: { source: 'crm-usertour', by: 'id', id }, policy, directives, fetch };
}

function fetchSpy(implementation: () => Promise<FetchedProfile> = () => Promise.resolve(testFetched())) {
  return jest.fn<() => Promise<FetchedProfile>>(implementation);
}

beforeAll(() => {
  raw = new Redis(REDIS_URL);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});

afterAll(async () => {
  await raw.quit();
});

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
    opened.push(cache);
    const fetch = fetchSpy();

    expect(cache.status()).toBe('degraded');
    expect(cacheStatusOf((await cache.get(lookupOf(fetch, LONG))).outcome)).toBe('profile-gateway; fwd=miss; stored');
    redis = await startRedis(port);

    await waitUntil(() => cache.status() === 'up', 5_000, 'the cache to connect');
  });
});
