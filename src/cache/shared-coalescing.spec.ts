import { jest } from '@jest/globals';

import { testFetched } from '../../test/support/test-profiles.js';
import { InMemoryRedis } from '../../test/support/test-shared-tier.js';
import type { CachePolicy } from '../config/config.types.js';
import { ProfileNotFoundError, UpstreamFailureError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileCacheKey, profileLeaseKey } from './cache-keys.js';
import { type CacheDirective, type CacheLookup, DEFAULT_LEASE_MS, leaseMsFor, ProfileCache } from './profile-cache.js';

const policy: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };
const KEY_PARTS = { source: 'crm-usertour', by: 'id', id: 'usr_1' } as const;
const ENTRY_KEY = profileCacheKey('pgw', KEY_PARTS);
const LEASE_KEY = profileLeaseKey('pgw', KEY_PARTS);

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const caches: ProfileCache[] = [];

/** One gateway instance on the shared in-memory Redis. */
function instance(redis: InMemoryRedis, name: string, cachePolicy: CachePolicy = policy) {
  const cache = new ProfileCache({
    redis: { url: 'redis://unused', keyPrefix: 'pgw', commandTimeoutMs: 100 },
    memory: { maxItems: 100, ttlMs: 30_000 },
    logger: { warn: jest.fn(), error: jest.fn() },
  });
  cache.attachRedis(redis.connect(name, (message) => cache.onInvalidation(message)));
  caches.push(cache);
  const fetch = jest.fn<() => Promise<FetchedProfile>>();
  const lookup = (directive: CacheDirective = 'default', leaseMs?: number): CacheLookup => ({
    key: { ...KEY_PARTS },
    policy: cachePolicy,
    directive,
    fetch,
    ...(leaseMs === undefined ? {} : { leaseMs }),
  });
  return { cache, fetch, lookup };
}

afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

describe(ProfileCache.name, () => {
  describe('across instances sharing Redis', () => {
    it('should make one upstream call for concurrent cold requests on two instances and answer the other instance collapsed', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      const call = deferred<FetchedProfile>();
      a.fetch.mockReturnValue(call.promise);
      b.fetch.mockReturnValue(call.promise);

      const fromA = Array.from({ length: 5 }, () => a.cache.get(a.lookup()));
      const fromB = Array.from({ length: 5 }, () => b.cache.get(b.lookup()));
      await sleep(30);
      call.resolve(testFetched({ displayName: 'Shared' }));
      const answers = await Promise.all([...fromA, ...fromB]);

      expect(a.fetch.mock.calls.length + b.fetch.mock.calls.length).toBe(1);
      const holder = a.fetch.mock.calls.length === 1 ? answers.slice(0, 5) : answers.slice(5);
      const waiter = a.fetch.mock.calls.length === 1 ? answers.slice(5) : answers.slice(0, 5);
      expect(holder.map((answer) => answer.cacheStatus).sort()).toEqual([
        'profile-gateway; fwd=miss; stored',
        ...Array<string>(4).fill('profile-gateway; fwd=miss; stored; collapsed'),
      ]);
      expect(waiter.map((answer) => answer.cacheStatus)).toEqual(Array<string>(5).fill('profile-gateway; fwd=miss; stored; collapsed'));
      expect(new Set(answers.map((answer) => answer.entry.etag)).size).toBe(1);
      expect(waiter[0]!.entry.profile.displayName).toBe('Shared');
    });

    it('should take the lease for the lookup’s leaseMs and release it once the entry is stored', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      a.fetch.mockResolvedValue(testFetched());

      await a.cache.get(a.lookup('default', leaseMsFor(2_500)));
      await a.cache.whenIdle();

      expect(redis.leasesTaken).toEqual([{ key: LEASE_KEY, ttlMs: 3_500 }]);
      expect(redis.keys()).toEqual([ENTRY_KEY]);
    });

    it('should use the default lease when the lookup names none', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      a.fetch.mockResolvedValue(testFetched());

      await a.cache.get(a.lookup());

      expect(redis.leasesTaken).toEqual([{ key: LEASE_KEY, ttlMs: DEFAULT_LEASE_MS }]);
    });

    it('should answer a 404 found by the holder on the waiting instance without a second call', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      const call = deferred<FetchedProfile>();
      a.fetch.mockReturnValue(call.promise);

      const first = a.cache.get(a.lookup());
      await sleep(5);
      const second = b.cache.get(b.lookup());
      await sleep(30);
      call.reject(new ProfileNotFoundError('crm-usertour', 'usr_1'));

      await expect(first).rejects.toBeInstanceOf(ProfileNotFoundError);
      await expect(second).rejects.toBeInstanceOf(ProfileNotFoundError);
      expect(b.fetch).not.toHaveBeenCalled();
    });

    it('should make its own call when the holder’s call fails, as errors are not cached', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      const call = deferred<FetchedProfile>();
      a.fetch.mockReturnValue(call.promise);
      b.fetch.mockResolvedValue(testFetched({ displayName: 'From B' }));

      const first = a.cache.get(a.lookup());
      await sleep(5);
      const second = b.cache.get(b.lookup());
      await sleep(30);
      expect(b.fetch).not.toHaveBeenCalled();
      call.reject(new UpstreamFailureError('crm-usertour', 'status 503', 503));

      await expect(first).rejects.toBeInstanceOf(UpstreamFailureError);
      const answer = await second;
      expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
      expect(answer.entry.profile.displayName).toBe('From B');
      expect(b.fetch).toHaveBeenCalledTimes(1);
    });

    it('should make its own call once the lease expires when the holder never answers', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      a.fetch.mockReturnValue(new Promise<FetchedProfile>(() => undefined));
      b.fetch.mockResolvedValue(testFetched());

      void a.cache.get(a.lookup('default', 150)).catch(() => undefined);
      await sleep(5);
      const started = Date.now();
      const answer = await b.cache.get(b.lookup('default', 150));
      const elapsed = Date.now() - started;

      expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
      expect(b.fetch).toHaveBeenCalledTimes(1);
      expect(elapsed).toBeGreaterThanOrEqual(120);
      expect(elapsed).toBeLessThan(400);
    });

    it('should stop waiting after leaseMs even while the lease is still held', async () => {
      const redis = new InMemoryRedis();
      const b = instance(redis, 'b');
      b.fetch.mockResolvedValue(testFetched());
      redis.set(LEASE_KEY, 'another-instance:1', 10_000);

      const started = Date.now();
      const answer = await b.cache.get(b.lookup('default', 100));

      expect(Date.now() - started).toBeLessThan(350);
      expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
      expect(redis.get(LEASE_KEY)).toBe('another-instance:1');
    });

    it('should use an entry stored between its read and its lease instead of calling', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      a.fetch.mockResolvedValue(testFetched({ displayName: 'From A' }));
      await a.cache.get(a.lookup());
      await a.cache.whenIdle();
      const stored = redis.get(ENTRY_KEY)!;
      redis.delete(ENTRY_KEY);
      redis.beforeLease = () => redis.set(ENTRY_KEY, stored, 60_000);

      const answer = await b.cache.get(b.lookup());

      expect(b.fetch).not.toHaveBeenCalled();
      expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored; collapsed');
      expect(answer.entry.profile.displayName).toBe('From A');
      expect(redis.get(LEASE_KEY)).toBeUndefined();
    });

    it('should not wait on a lease for a no-cache request and announce its result to the other instance', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      b.fetch.mockResolvedValue(testFetched({ displayName: 'Before' }));
      await b.cache.get(b.lookup());
      await b.cache.whenIdle();
      redis.set(LEASE_KEY, 'another-instance:1', 10_000);
      a.fetch.mockResolvedValue(testFetched({ displayName: 'After' }));
      await sleep(5);

      const started = Date.now();
      const refreshed = await a.cache.get(a.lookup('no-cache'));
      await a.cache.whenIdle();
      await sleep(5);
      const seenByB = await b.cache.get(b.lookup());

      expect(Date.now() - started).toBeLessThan(100);
      expect(refreshed.cacheStatus).toBe('profile-gateway; fwd=request; stored');
      expect(seenByB.entry.profile.displayName).toBe('After');
      expect(seenByB.cacheStatus).toMatch(/^profile-gateway; hit; ttl=/);
      expect(b.fetch).toHaveBeenCalledTimes(1);
    });

    it('should let another instance wait on a no-cache refresh when the lease was free', async () => {
      const redis = new InMemoryRedis();
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      const call = deferred<FetchedProfile>();
      a.fetch.mockReturnValue(call.promise);

      const refresh = a.cache.get(a.lookup('no-cache'));
      await sleep(5);
      const miss = b.cache.get(b.lookup());
      await sleep(30);
      call.resolve(testFetched());

      await expect(refresh).resolves.toMatchObject({ cacheStatus: 'profile-gateway; fwd=request; stored' });
      await expect(miss).resolves.toMatchObject({ cacheStatus: 'profile-gateway; fwd=miss; stored; collapsed' });
      expect(b.fetch).not.toHaveBeenCalled();
    });

    it('should coalesce per instance only while Redis does not answer', async () => {
      const redis = new InMemoryRedis();
      redis.down = true;
      const a = instance(redis, 'a');
      const b = instance(redis, 'b');
      a.fetch.mockResolvedValue(testFetched());
      b.fetch.mockResolvedValue(testFetched());

      const answers = await Promise.all([a.cache.get(a.lookup()), a.cache.get(a.lookup()), b.cache.get(b.lookup()), b.cache.get(b.lookup())]);

      expect(a.fetch).toHaveBeenCalledTimes(1);
      expect(b.fetch).toHaveBeenCalledTimes(1);
      expect(answers.map((answer) => answer.cacheStatus)).toEqual([
        'profile-gateway; fwd=miss; stored',
        'profile-gateway; fwd=miss; stored; collapsed',
        'profile-gateway; fwd=miss; stored',
        'profile-gateway; fwd=miss; stored; collapsed',
      ]);
      expect(redis.leasesTaken).toEqual([]);
    });

    it('should make its own call when Redis stops answering during the wait', async () => {
      const redis = new InMemoryRedis();
      const b = instance(redis, 'b');
      b.fetch.mockResolvedValue(testFetched());
      redis.set(LEASE_KEY, 'another-instance:1', 10_000);

      const pending = b.cache.get(b.lookup());
      await sleep(10);
      redis.down = true;
      const started = Date.now();
      const answer = await pending;

      expect(Date.now() - started).toBeLessThan(150);
      expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
      expect(b.fetch).toHaveBeenCalledTimes(1);
    });

    it('should run one stale-while-revalidate refresh for the fleet', async () => {
      const redis = new InMemoryRedis();
      const swr: CachePolicy = { ttlMs: 100, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 0, notFoundTtlMs: 1_000 };
      const a = instance(redis, 'a', swr);
      const b = instance(redis, 'b', swr);
      a.fetch.mockResolvedValue(testFetched({ displayName: 'Old' }));
      await a.cache.get(a.lookup());
      await a.cache.whenIdle();
      await b.cache.get(b.lookup());
      await sleep(110);
      const call = deferred<FetchedProfile>();
      a.fetch.mockReturnValue(call.promise);
      b.fetch.mockReturnValue(call.promise);

      const stale = await Promise.all([a.cache.get(a.lookup()), b.cache.get(b.lookup())]);
      await sleep(30);
      call.resolve(testFetched({ displayName: 'New' }));
      await sleep(20);
      const calls = a.fetch.mock.calls.length + b.fetch.mock.calls.length;
      const fresh = await Promise.all([a.cache.get(a.lookup()), b.cache.get(b.lookup())]);

      expect(stale.map((answer) => answer.cacheStatus)).toEqual(Array<string>(2).fill('profile-gateway; hit; fwd=stale; detail=stale-while-revalidate'));
      expect(calls).toBe(2);
      expect(fresh.map((answer) => answer.entry.profile.displayName)).toEqual(['New', 'New']);
    });

    it('should wait for an entry newer than its stale copy and serve stale-if-error when the holder and its own call fail', async () => {
      const redis = new InMemoryRedis();
      const sie: CachePolicy = { ttlMs: 20, staleWhileRevalidateMs: 0, staleIfErrorMs: 60_000, notFoundTtlMs: 1_000 };
      const a = instance(redis, 'a', sie);
      const b = instance(redis, 'b', sie);
      a.fetch.mockResolvedValue(testFetched());
      await a.cache.get(a.lookup());
      await a.cache.whenIdle();
      await sleep(30);
      const call = deferred<FetchedProfile>();
      a.fetch.mockReturnValue(call.promise);
      b.fetch.mockRejectedValue(new UpstreamFailureError('crm-usertour', 'status 503', 503));

      const first = a.cache.get(a.lookup());
      await sleep(5);
      const second = b.cache.get(b.lookup());
      await sleep(30);
      expect(b.fetch).not.toHaveBeenCalled();
      call.reject(new UpstreamFailureError('crm-usertour', 'status 503', 503));

      await expect(first).resolves.toMatchObject({ cacheStatus: 'profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error' });
      await expect(second).resolves.toMatchObject({ cacheStatus: 'profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error' });
      expect(b.fetch).toHaveBeenCalledTimes(1);
    });
  });
});
