
import { fetchSpy, LONG, lookupOf, uniquePrefix, useCacheRedisKit } from '../../test/support/cache-redis-kit.js';
import { testFetched } from '../../test/support/test-profiles.js';
import { sleep, waitUntil } from '../../test/support/wait.js';
import type { CachePolicy } from '../config/config.types.js';
import { NotCachedError, ProfileNotFoundError, UpstreamFailureError, UpstreamTimeoutError } from '../profiles/profile.errors.js';
import { decodeEntry, profileOf } from './cache-entry.js';
import { profileCacheKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { createProfileCache } from './index.js';

const REDIS_URL = process.env.REDIS_URL as string;
const kit = useCacheRedisKit(REDIS_URL);
const { openCache } = kit;

describe('ProfileCache with Redis', () => {
  it('should answer a hit after a miss without a second fetch and keep the entry in Redis for ttl + the longer stale window', async () => {
    const keyPrefix = uniquePrefix();
    const cache = await openCache({ keyPrefix });
    const fetch = fetchSpy();

    const miss = await cache.get(lookupOf(fetch, LONG));
    const hit = await cache.get(lookupOf(fetch, LONG));
    await cache.whenIdle();

    expect(cacheStatusOf(miss.outcome)).toBe('profile-gateway; fwd=miss; stored');
    expect(cacheStatusOf(hit.outcome)).toBe('profile-gateway; hit; ttl=59');
    expect(fetch).toHaveBeenCalledTimes(1);
    const key = profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' });
    const pttl = await kit.raw.pttl(key);
    expect(pttl).toBeGreaterThan(179_000);
    expect(pttl).toBeLessThanOrEqual(180_000);
    expect(decodeEntry((await kit.raw.get(key)) as string)).toMatchObject({ kind: 'profile', etag: miss.entry.etag, fetchedAtMs: miss.entry.fetchedAtMs, body: miss.entry.body });
  });

  it('should make one upstream call for 200 concurrent cold requests and answer 199 of them collapsed', async () => {
    const cache = await openCache({ keyPrefix: uniquePrefix() });
    const fetch = fetchSpy(async () => {
      await sleep(100);
      return testFetched();
    });

    const answers = await Promise.all(Array.from({ length: 200 }, () => cache.get(lookupOf(fetch, LONG))));

    expect(fetch).toHaveBeenCalledTimes(1);
    const statuses = answers.map((answer) => cacheStatusOf(answer.outcome));
    expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored; collapsed')).toHaveLength(199);
    expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored')).toHaveLength(1);
  });

  it('should cache a 404 for notFoundTtl and fetch again afterwards', async () => {
    const cache = await openCache({ keyPrefix: uniquePrefix() });
    const policy = { ...LONG, notFoundTtlMs: 300 };
    const fetch = fetchSpy(() => Promise.reject(new ProfileNotFoundError('crm-usertour', 'usr_1')));

    await expect(cache.get(lookupOf(fetch, policy))).rejects.toBeInstanceOf(ProfileNotFoundError);
    await expect(cache.get(lookupOf(fetch, policy))).rejects.toBeInstanceOf(ProfileNotFoundError);
    expect(fetch).toHaveBeenCalledTimes(1);
    await sleep(350);
    fetch.mockImplementation(() => Promise.resolve(testFetched()));
    const answer = await cache.get(lookupOf(fetch, policy));

    expect(cacheStatusOf(answer.outcome)).toBe('profile-gateway; fwd=miss; stored');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('should answer at once within staleWhileRevalidate and refresh exactly once', async () => {
    const cache = await openCache({ keyPrefix: uniquePrefix() });
    const policy: CachePolicy = { ttlMs: 150, staleWhileRevalidateMs: 5_000, staleIfErrorMs: 0, notFoundTtlMs: 1_000 };
    const fetch = fetchSpy(() => Promise.resolve(testFetched({ displayName: 'Old' })));
    await cache.get(lookupOf(fetch, policy));
    await sleep(200);
    let refreshDone = false;
    fetch.mockImplementation(async () => {
      await sleep(300);
      refreshDone = true;
      return testFetched({ displayName: 'New' });
    });

    const started = Date.now();
    const answers = await Promise.all(Array.from({ length: 5 }, () => cache.get(lookupOf(fetch, policy))));
    const elapsed = Date.now() - started;

    expect(elapsed).toBeLessThan(150);
    for (const answer of answers) {
      // 50 ms past freshness: RFC 9211's stale hit, with ttl in whole seconds.
      expect(cacheStatusOf(answer.outcome)).toBe('profile-gateway; hit; ttl=0');
      expect(answer.outcome).toMatchObject({ kind: 'stale', reason: 'stale-while-revalidate' });
      expect(profileOf(answer.entry).displayName).toBe('Old');
    }
    await waitUntil(() => refreshDone, 2_000, 'the background refresh');
    await sleep(20);
    const after = await cache.get(lookupOf(fetch, policy));
    expect(profileOf(after.entry).displayName).toBe('New');
    expect(cacheStatusOf(after.outcome)).toBe('profile-gateway; hit; ttl=0');
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['a 503', () => new UpstreamFailureError('crm-usertour', 'status 503', 503), 503, 'fwd=stale; fwd-status=503'],
    ['a timeout', () => new UpstreamTimeoutError('crm-usertour', 2_000), 0, 'fwd=stale'],
  ])('should serve a stale copy when the upstream fails with %s, but not to a no-cache request', async (_name, makeError, status, fwd) => {
    const cache = await openCache({ keyPrefix: uniquePrefix() });
    const policy: CachePolicy = { ttlMs: 100, staleWhileRevalidateMs: 0, staleIfErrorMs: 10_000, notFoundTtlMs: 1_000 };
    const fetch = fetchSpy();
    await cache.get(lookupOf(fetch, policy));
    await sleep(150);
    fetch.mockImplementation(() => Promise.reject(makeError()));

    const answer = await cache.get(lookupOf(fetch, policy));

    expect(cacheStatusOf(answer.outcome)).toBe(`profile-gateway; ${fwd}; detail=stale-if-error`);
    expect(answer.maxAgeSeconds).toBe(0);
    await expect(cache.get(lookupOf(fetch, policy, { noCache: true }))).rejects.toMatchObject({ upstreamStatus: status });
    expect(fetch).toHaveBeenCalledTimes(3);
  });

  it('should answer only-if-cached from Redis and throw NotCachedError, without ever calling fetch', async () => {
    const keyPrefix = uniquePrefix();
    const writer = await openCache({ keyPrefix });
    await writer.get(lookupOf(fetchSpy(), LONG));
    await writer.whenIdle();
    const reader = await openCache({ keyPrefix });
    const fetch = fetchSpy();

    const hit = await reader.get(lookupOf(fetch, LONG, { onlyIfCached: true }));

    expect(cacheStatusOf(hit.outcome)).toMatch(/^profile-gateway; hit; ttl=(59|60)$/);
    await expect(reader.get(lookupOf(fetch, LONG, { onlyIfCached: true }, 'usr_unknown'))).rejects.toBeInstanceOf(NotCachedError);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('should serve from memory alone without Redis', async () => {
    const cache = createProfileCache({ memory: { maxItems: 10, ttlMs: 1_000 } });
    kit.adopt(cache);
    const fetch = fetchSpy();

    const miss = await cache.get(lookupOf(fetch, LONG));
    const hit = await cache.get(lookupOf(fetch, LONG));

    expect(cache.status()).toBe('memory-only');
    expect(cacheStatusOf(miss.outcome)).toBe('profile-gateway; fwd=miss; stored');
    expect(cacheStatusOf(hit.outcome)).toMatch(/^profile-gateway; hit; ttl=(59|60)$/);
    expect(fetch).toHaveBeenCalledTimes(1);
  });

  it('should share entries between instances and drop the other instance’s memory copy within 1 s of a refresh', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openCache({ keyPrefix });
    const b = await openCache({ keyPrefix });
    const fetchA = fetchSpy(() => Promise.resolve(testFetched({ displayName: 'Before' })));
    const fetchB = fetchSpy();
    await a.get(lookupOf(fetchA, LONG));
    await a.whenIdle();

    const shared = await b.get(lookupOf(fetchB, LONG));
    expect(profileOf(shared.entry).displayName).toBe('Before');
    expect(cacheStatusOf(shared.outcome)).toMatch(/^profile-gateway; hit; ttl=/);
    expect(fetchB).not.toHaveBeenCalled();

    fetchA.mockImplementation(() => Promise.resolve(testFetched({ displayName: 'After' })));
    await a.get(lookupOf(fetchA, LONG, { noCache: true }));
    const refreshedAt = Date.now();
    await waitUntil(async () => profileOf((await b.get(lookupOf(fetchB, LONG))).entry).displayName === 'After', 1_000, 'the invalidation');

    expect(Date.now() - refreshedAt).toBeLessThan(1_000);
    expect(fetchB).not.toHaveBeenCalled();
  });
});
