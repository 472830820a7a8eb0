import { jest } from '@jest/globals';
import { Redis } from 'ioredis';

import { type CacheDirectives, type CacheLookup, type CacheObserver, createProfileCache, type ProfileCache } from '../../src/cache/index.js';
import type { CachePolicy } from '../../src/config/config.types.js';
import type { FetchedProfile } from '../../src/profiles/profile-source.port.js';
import { testFetched } from './test-profiles.js';
import { waitUntil } from './wait.js';

/** What the ProfileCache integration specs share: real caches on the suite's Redis, closed after each test. */

export const LONG: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };

let prefixCounter = 0;

/** A key prefix no other test (or run) uses. */
export function uniquePrefix(): string {
  prefixCounter += 1;
  return `it-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`;
}

export function lookupOf(fetch: () => Promise<FetchedProfile>, policy: CachePolicy, directives: CacheDirectives = {}, id = 'usr_1'): CacheLookup {
  return { key: { source: 'crm-usertour', by: 'id', id }, policy, directives, fetch };
}

export function fetchSpy(implementation: () => Promise<FetchedProfile> = () => Promise.resolve(testFetched())) {
  return jest.fn<() => Promise<FetchedProfile>>(implementation);
}

export function observerSpy() {
  return { onOutcome: jest.fn<CacheObserver['onOutcome']>(), onRedisError: jest.fn<CacheObserver['onRedisError']>() };
}

export interface CacheRedisKit {
  /** A plain client on the suite's Redis, to inspect what the cache wrote. */
  readonly raw: Redis;
  /** A real cache on Redis (`url`, default the suite's), once it is connected; closed after the test. */
  openCache(options: { keyPrefix: string; url?: string; memoryTtlMs?: number; observer?: CacheObserver }): Promise<ProfileCache>;
  /** Closes a cache the test built itself after the test, like the opened ones. */
  adopt(cache: ProfileCache): ProfileCache;
}

/** Registers the hooks of a spec file (a raw client for the file, caches closed after each test) and returns the kit. */
export function useCacheRedisKit(redisUrl: string): CacheRedisKit {
  const opened: ProfileCache[] = [];
  let raw: Redis | undefined;
  beforeAll(() => {
    raw = new Redis(redisUrl);
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((cache) => cache.close()));
  });
  afterAll(async () => {
    await raw?.quit();
  });
  return {
    get raw(): Redis {
      if (!raw) throw new Error('the raw Redis client exists only while the spec runs');
      return raw;
    },
    adopt(cache) {
      opened.push(cache);
      return cache;
    },
    async openCache(options) {
      const cache = createProfileCache({
        redis: { url: options.url ?? redisUrl, keyPrefix: options.keyPrefix, commandTimeoutMs: 200 },
        memory: { maxItems: 1_000, ttlMs: options.memoryTtlMs ?? 60_000 },
        logger: { warn: jest.fn(), error: jest.fn() },
        ...(options.observer ? { observer: options.observer } : {}),
      });
      opened.push(cache);
      await waitUntil(() => cache.status() === 'up', 5_000, 'Redis to connect');
      return cache;
    },
  };
}
