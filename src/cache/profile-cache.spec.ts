import { jest } from '@jest/globals';

import { testFetched } from '../../test/support/test-profiles.js';
import type { CachePolicy } from '../config/config.types.js';
import {
  NotCachedError,
  ProfileNotFoundError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamTimeoutError,
} from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileEtag } from './etag.js';
import { type CacheDirective, type CacheLookup, type CacheObserver, createProfileCache, ProfileCache } from './profile-cache.js';

const policy: CachePolicy = { ttlMs: 10_000, staleWhileRevalidateMs: 5_000, staleIfErrorMs: 60_000, notFoundTtlMs: 3_000 };
const T0 = 1_700_000_000_000;

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

/** Lets pending promise callbacks run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

function setup(options: { maxItems?: number } = {}) {
  let now = T0;
  const observer = { onOutcome: jest.fn<CacheObserver['onOutcome']>(), onRedisError: jest.fn<CacheObserver['onRedisError']>() };
  const logger = { warn: jest.fn(), error: jest.fn() };
  const cache = new ProfileCache({ memory: { maxItems: options.maxItems ?? 100, ttlMs: 30_000 }, observer, logger, now: () => now });
  const fetch = jest.fn<() => Promise<FetchedProfile>>();
  const lookup = (directive: CacheDirective = 'default', id = 'usr_1'): CacheLookup => ({
    key: { source: 'crm-usertour', by: 'id', id },
    policy,
    directive,
    fetch,
  });
  return {
    cache,
    fetch,
    observer,
    logger,
    lookup,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

describe(ProfileCache.name, () => {
  describe('default directive', () => {
    it('should fetch and store on a miss, then answer a hit without fetching again', async () => {
      const { cache, fetch, lookup, advance } = setup();
      const fetched = testFetched();
      fetch.mockResolvedValue(fetched);

      const miss = await cache.get(lookup());
      advance(4_200);
      const hit = await cache.get(lookup());

      expect(fetch).toHaveBeenCalledTimes(1);
      expect(miss).toEqual({
        entry: { kind: 'profile', profile: fetched.profile, raw: fetched.raw, fetchedAtMs: T0, etag: profileEtag(fetched.profile) },
        cacheStatus: 'profile-gateway; fwd=miss; stored',
        ageSeconds: 0,
        maxAgeSeconds: 10,
      });
      expect(hit.cacheStatus).toBe('profile-gateway; hit; ttl=5');
      expect(hit.ageSeconds).toBe(4);
      expect(hit.maxAgeSeconds).toBe(5);
      expect(hit.entry.profile).toEqual(fetched.profile);
    });

    it('should make one upstream call for concurrent cold requests and mark the waiters collapsed', async () => {
      const { cache, fetch, lookup, observer } = setup();
      const call = deferred<FetchedProfile>();
      fetch.mockReturnValue(call.promise);

      const answers = Array.from({ length: 20 }, () => cache.get(lookup()));
      await settle();
      call.resolve(testFetched());
      const statuses = (await Promise.all(answers)).map((answer) => answer.cacheStatus);

      expect(fetch).toHaveBeenCalledTimes(1);
      expect(statuses.filter((s) => s === 'profile-gateway; fwd=miss; stored')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'profile-gateway; fwd=miss; stored; collapsed')).toHaveLength(19);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', 'miss', true);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', 'miss', false);
    });

    it('should keep different ids and lookup kinds apart', async () => {
      const { cache, fetch, lookup } = setup();
      fetch.mockImplementation(() => Promise.resolve(testFetched()));

      await cache.get(lookup('default', 'a'));
      await cache.get(lookup('default', 'b'));
      await cache.get({ ...lookup('default', 'a'), key: { source: 'crm-usertour', by: 'externalId', id: 'a' } });

      expect(fetch).toHaveBeenCalledTimes(3);
    });

    it('should answer stale at once within staleWhileRevalidate and run exactly one background refresh', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched({ displayName: 'Old' }));
      await cache.get(lookup());
      advance(11_000);
      const refresh = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(refresh.promise);

      const first = await cache.get(lookup());
      const second = await cache.get(lookup());

      expect(first.cacheStatus).toBe('profile-gateway; hit; fwd=stale; detail=stale-while-revalidate');
      expect(first.entry.profile.displayName).toBe('Old');
      expect(first.maxAgeSeconds).toBe(0);
      expect(first.ageSeconds).toBe(11);
      expect(second.cacheStatus).toBe(first.cacheStatus);
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', 'stale-while-revalidate', false);

      refresh.resolve(testFetched({ displayName: 'New' }));
      await settle();
      const after = await cache.get(lookup());

      expect(after.cacheStatus).toBe('profile-gateway; hit; ttl=10');
      expect(after.entry.profile.displayName).toBe('New');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should log a failed background refresh and keep answering the stale copy', async () => {
      const { cache, fetch, lookup, advance, logger } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(12_000);
      fetch.mockRejectedValueOnce(new UpstreamFailureError('crm-usertour', 'status 500', 500));

      const answer = await cache.get(lookup());
      await settle();
      const again = await cache.get(lookup());

      expect(answer.cacheStatus).toContain('detail=stale-while-revalidate');
      expect(again.cacheStatus).toContain('detail=stale-while-revalidate');
      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ source: 'crm-usertour', id: 'usr_1' }), 'Background refresh of a cached profile failed');
    });

    it.each([
      ['a 503', new UpstreamFailureError('crm-usertour', 'status 503', 503), 503],
      ['a timeout', new UpstreamTimeoutError('crm-usertour', 2000), 0],
    ])('should serve the stale copy with its fwd-status when the upstream fails with %s', async (_name, error, status) => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(20_000);
      fetch.mockRejectedValueOnce(error);

      const answer = await cache.get(lookup());

      expect(answer.cacheStatus).toBe(`profile-gateway; fwd=stale; fwd-status=${status}; detail=stale-if-error`);
      expect(answer.ageSeconds).toBe(20);
      expect(answer.maxAgeSeconds).toBe(0);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', 'stale-if-error', false);
    });

    it('should mark a stale-if-error answer collapsed when it waited on another request’s call', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(20_000);
      const call = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(call.promise);

      const leader = cache.get(lookup());
      const follower = cache.get(lookup());
      await settle();
      call.reject(new UpstreamFailureError('crm-usertour', 'status 502', 502));

      expect((await leader).cacheStatus).toBe('profile-gateway; fwd=stale; fwd-status=502; detail=stale-if-error');
      expect((await follower).cacheStatus).toBe('profile-gateway; fwd=stale; fwd-status=502; detail=stale-if-error; collapsed');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should throw the upstream error when the stale copy is older than ttl + staleIfError', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(70_000);
      const error = new UpstreamFailureError('crm-usertour', 'status 503', 503);
      fetch.mockRejectedValueOnce(error);

      await expect(cache.get(lookup())).rejects.toBe(error);
    });

    it('should throw the upstream error when stale-if-error does not apply to it', async () => {
      class NoStaleError extends UpstreamFailureError {
        override get staleIfErrorApplies(): boolean {
          return false;
        }
      }
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(20_000);
      const error = new NoStaleError('crm-usertour', 'status 500', 500);
      fetch.mockRejectedValueOnce(error);

      await expect(cache.get(lookup())).rejects.toBe(error);
    });

    it('should pass an error that is not an upstream failure through without a stale answer', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(20_000);
      const bug = new TypeError('mapper bug');
      fetch.mockRejectedValueOnce(bug);

      await expect(cache.get(lookup())).rejects.toBe(bug);
    });

    it('should cache a 404 for notFoundTtl and fetch again afterwards', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      const notFound = new ProfileNotFoundError('crm-usertour', 'usr_1');
      fetch.mockRejectedValueOnce(notFound).mockResolvedValueOnce(testFetched());

      await expect(cache.get(lookup())).rejects.toBe(notFound);
      advance(2_900);
      await expect(cache.get(lookup())).rejects.toBeInstanceOf(ProfileNotFoundError);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', 'negative-hit', false);
      advance(200);
      const answer = await cache.get(lookup());

      expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should never cache an unusable upstream response', async () => {
      const { cache, fetch, lookup } = setup();
      const bad = new UpstreamBadResponseError('crm-usertour', 'not JSON', 200);
      fetch.mockRejectedValueOnce(bad).mockResolvedValueOnce(testFetched());

      await expect(cache.get(lookup())).rejects.toBe(bad);
      const answer = await cache.get(lookup());

      expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
      expect(fetch).toHaveBeenCalledTimes(2);
    });
  });

  describe('no-cache directive', () => {
    it('should call the upstream even with a fresh copy and store the result', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched({ displayName: 'Old' })).mockResolvedValueOnce(testFetched({ displayName: 'New' }));
      await cache.get(lookup());
      advance(1_000);

      const refreshed = await cache.get(lookup('no-cache'));
      const hit = await cache.get(lookup());

      expect(refreshed.cacheStatus).toBe('profile-gateway; fwd=request; stored');
      expect(refreshed.entry.profile.displayName).toBe('New');
      expect(refreshed.ageSeconds).toBe(0);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', 'refresh', false);
      expect(hit.entry.profile.displayName).toBe('New');
      expect(hit.cacheStatus).toBe('profile-gateway; hit; ttl=10');
    });

    it('should return the upstream failure even when a stale copy exists', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(20_000);
      const error = new UpstreamFailureError('crm-usertour', 'status 503', 503);
      fetch.mockRejectedValueOnce(error);

      await expect(cache.get(lookup('no-cache'))).rejects.toBe(error);
    });

    it('should not join a call that started before it arrived, and keep the older result from overwriting its own', async () => {
      const { cache, fetch, lookup } = setup();
      const older = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(older.promise).mockResolvedValueOnce(testFetched({ displayName: 'After edit' }));

      const cold = cache.get(lookup());
      await settle();
      const refreshed = await cache.get(lookup('no-cache'));
      older.resolve(testFetched({ displayName: 'Before edit' }));
      await cold;
      const hit = await cache.get(lookup());

      expect(fetch).toHaveBeenCalledTimes(2);
      expect(refreshed.entry.profile.displayName).toBe('After edit');
      expect(hit.entry.profile.displayName).toBe('After edit');
    });

    it('should let later requests join the refresh it started', async () => {
      const { cache, fetch, lookup } = setup();
      const call = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(call.promise);

      const refresh = cache.get(lookup('no-cache'));
      const joined = cache.get(lookup());
      await settle();
      call.resolve(testFetched());

      expect((await refresh).cacheStatus).toBe('profile-gateway; fwd=request; stored');
      expect((await joined).cacheStatus).toBe('profile-gateway; fwd=miss; stored; collapsed');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should store a 404 found by a refresh', async () => {
      const { cache, fetch, lookup } = setup();
      fetch.mockResolvedValueOnce(testFetched()).mockRejectedValueOnce(new ProfileNotFoundError('crm-usertour', 'usr_1'));
      await cache.get(lookup());

      await expect(cache.get(lookup('no-cache'))).rejects.toBeInstanceOf(ProfileNotFoundError);
      await expect(cache.get(lookup())).rejects.toBeInstanceOf(ProfileNotFoundError);
      expect(fetch).toHaveBeenCalledTimes(2);
    });
  });

  describe('only-if-cached directive', () => {
    it('should answer a fresh copy without calling the upstream', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(3_000);

      const answer = await cache.get(lookup('only-if-cached'));

      expect(answer.cacheStatus).toBe('profile-gateway; hit; ttl=7');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should answer a copy within staleWhileRevalidate as a stale hit without starting a refresh', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(12_500);

      const answer = await cache.get(lookup('only-if-cached'));

      expect(answer.cacheStatus).toBe('profile-gateway; hit; ttl=-2');
      expect(answer.maxAgeSeconds).toBe(0);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should throw NotCachedError without calling the upstream when nothing usable is cached', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      await expect(cache.get(lookup('only-if-cached'))).rejects.toBeInstanceOf(NotCachedError);
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(16_000);

      await expect(cache.get(lookup('only-if-cached'))).rejects.toBeInstanceOf(NotCachedError);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', 'not-cached', false);
    });

    it('should still answer not-found for a cached 404', async () => {
      const { cache, fetch, lookup } = setup();
      fetch.mockRejectedValueOnce(new ProfileNotFoundError('crm-usertour', 'usr_1'));
      await expect(cache.get(lookup())).rejects.toBeInstanceOf(ProfileNotFoundError);

      await expect(cache.get(lookup('only-if-cached'))).rejects.toBeInstanceOf(ProfileNotFoundError);
      expect(fetch).toHaveBeenCalledTimes(1);
    });
  });

  describe('memory tier', () => {
    it('should drop the least recently used entry beyond maxItems', async () => {
      const { cache, fetch, lookup } = setup({ maxItems: 2 });
      fetch.mockImplementation(() => Promise.resolve(testFetched()));
      await cache.get(lookup('default', 'a'));
      await cache.get(lookup('default', 'b'));
      await cache.get(lookup('default', 'c'));

      await expect(cache.get(lookup('only-if-cached', 'a'))).rejects.toBeInstanceOf(NotCachedError);
      await expect(cache.get(lookup('only-if-cached', 'c'))).resolves.toMatchObject({ cacheStatus: 'profile-gateway; hit; ttl=10' });
    });

    it('should keep entries for their whole stale-if-error window when it serves alone', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      advance(65_000);
      fetch.mockRejectedValueOnce(new UpstreamTimeoutError('crm-usertour', 2000));

      const answer = await cache.get(lookup());

      expect(answer.cacheStatus).toBe('profile-gateway; fwd=stale; fwd-status=0; detail=stale-if-error');
    });

    it('should report memory-only status without Redis', () => {
      const cache = createProfileCache({ memory: { maxItems: 10, ttlMs: 1_000 } });

      expect(cache.status()).toBe('memory-only');
    });
  });
});
