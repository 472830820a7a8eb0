import { deferred, memoryCache as setup, notFoundOf, settle, status } from '../../test/support/cache-spec-kit.js';
import { testFetched } from '../../test/support/test-profiles.js';
import { NotCachedError, ProfileNotFoundError, UpstreamFailureError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { cacheStatusOf } from './cache-outcome.js';
import { CachedNotFoundError, ProfileCache } from './index.js';

describe(`${ProfileCache.name} with request directives`, () => {
  describe('no-cache', () => {
    it('should call the upstream even with a fresh copy and store the result', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched({ displayName: 'Old' })).mockResolvedValueOnce(testFetched({ displayName: 'New' }));
      await cache.get(lookup());
      await advance(1_000);

      const refreshed = await cache.get(lookup({ noCache: true }));
      const hit = await cache.get(lookup());

      expect(status(refreshed)).toBe('profile-gateway; fwd=request; stored');
      expect(profileOf(refreshed.entry).displayName).toBe('New');
      expect(refreshed.ageSeconds).toBe(0);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'fetched', fwd: 'request', collapsed: false, notFound: false });
      expect(profileOf(hit.entry).displayName).toBe('New');
      expect(status(hit)).toBe('profile-gateway; hit; ttl=10');
    });

    it('should return the upstream failure even when a stale copy exists', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(20_000);
      const error = new UpstreamFailureError('crm-usertour', 'status 503', 503);
      fetch.mockRejectedValueOnce(error);

      await expect(cache.get(lookup({ noCache: true }))).rejects.toBe(error);
    });

    it('should not join a call that started before it arrived, and keep the older result from overwriting its own', async () => {
      const { cache, fetch, lookup } = setup();
      const older = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(older.promise).mockResolvedValueOnce(testFetched({ displayName: 'After edit' }));

      const cold = cache.get(lookup());
      await settle();
      const refreshed = await cache.get(lookup({ noCache: true }));
      older.resolve(testFetched({ displayName: 'Before edit' }));
      await cold;
      const hit = await cache.get(lookup());

      expect(fetch).toHaveBeenCalledTimes(2);
      expect(profileOf(refreshed.entry).displayName).toBe('After edit');
      expect(profileOf(hit.entry).displayName).toBe('After edit');
    });

    it('should let later requests join the refresh it started', async () => {
      const { cache, fetch, lookup } = setup();
      const call = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(call.promise);

      const refresh = cache.get(lookup({ noCache: true }));
      const joined = cache.get(lookup());
      await settle();
      call.resolve(testFetched());

      expect(status(await refresh)).toBe('profile-gateway; fwd=request; stored');
      expect(status(await joined)).toBe('profile-gateway; fwd=miss; stored; collapsed');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should store a 404 found by a refresh', async () => {
      const { cache, fetch, lookup } = setup();
      fetch.mockResolvedValueOnce(testFetched()).mockRejectedValueOnce(new ProfileNotFoundError('crm-usertour', 'usr_1'));
      await cache.get(lookup());

      expect(cacheStatusOf((await notFoundOf(cache.get(lookup({ noCache: true })))).facts.outcome)).toBe('profile-gateway; fwd=request; stored');
      expect((await notFoundOf(cache.get(lookup()))).facts.outcome.kind).toBe('hit');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should answer NOT_CACHED without calling when combined with only-if-cached', async () => {
      const { cache, fetch, lookup, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());

      await expect(cache.get(lookup({ noCache: true, onlyIfCached: true }))).rejects.toBeInstanceOf(NotCachedError);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', { kind: 'not-cached' });
    });
  });

  describe('only-if-cached', () => {
    it('should answer a fresh copy without calling the upstream', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(3_000);

      const answer = await cache.get(lookup({ onlyIfCached: true }));

      expect(status(answer)).toBe('profile-gateway; hit; ttl=7');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should answer a copy within staleWhileRevalidate as a stale hit without starting a refresh', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(12_500);

      const answer = await cache.get(lookup({ onlyIfCached: true }));

      expect(status(answer)).toBe('profile-gateway; hit; ttl=-2');
      expect(answer.maxAgeSeconds).toBe(10);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should throw NotCachedError without calling the upstream when nothing usable is cached', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      await expect(cache.get(lookup({ onlyIfCached: true }))).rejects.toBeInstanceOf(NotCachedError);
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(16_000);

      await expect(cache.get(lookup({ onlyIfCached: true }))).rejects.toBeInstanceOf(NotCachedError);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', { kind: 'not-cached' });
    });

    it('should still answer not-found for a cached 404', async () => {
      const { cache, fetch, lookup } = setup();
      fetch.mockRejectedValueOnce(new ProfileNotFoundError('crm-usertour', 'usr_1'));
      await expect(cache.get(lookup())).rejects.toBeInstanceOf(ProfileNotFoundError);

      await expect(cache.get(lookup({ onlyIfCached: true }))).rejects.toBeInstanceOf(CachedNotFoundError);
      expect(fetch).toHaveBeenCalledTimes(1);
    });
  });

  describe('caller freshness directives', () => {
    it('should refetch a copy older than max-age as fwd=request, coalesced with other requests', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched({ displayName: 'Old' }));
      await cache.get(lookup());
      await advance(4_000);
      const call = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(call.promise);

      const hit = await cache.get(lookup({ maxAgeSeconds: 5 }));
      const refetch = cache.get(lookup({ maxAgeSeconds: 3 }));
      const joined = cache.get(lookup({ minFreshSeconds: 8 }));
      await settle();
      call.resolve(testFetched({ displayName: 'New' }));

      expect(status(hit)).toBe('profile-gateway; hit; ttl=6');
      expect(status(await refetch)).toBe('profile-gateway; fwd=request; stored');
      expect(status(await joined)).toBe('profile-gateway; fwd=request; stored; collapsed');
      expect(profileOf((await refetch).entry).displayName).toBe('New');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should return the error of a failed max-age refetch, without a stale fallback', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(4_000);
      const error = new UpstreamFailureError('crm-usertour', 'status 503', 503);
      fetch.mockRejectedValueOnce(error);

      await expect(cache.get(lookup({ maxAgeSeconds: 1 }))).rejects.toBe(error);
    });

    it('should fall back to the copy when a failed max-age refetch also allows max-stale', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(4_000);
      fetch.mockRejectedValueOnce(new UpstreamFailureError('crm-usertour', 'status 503', 503));

      const answer = await cache.get(lookup({ maxAgeSeconds: 1, maxStaleSeconds: Number.POSITIVE_INFINITY }));

      expect(status(answer)).toBe('profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error');
    });

    it('should answer a copy past its freshness at once for max-stale and start one background refresh', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched({ displayName: 'Old' }));
      await cache.get(lookup());
      // Past the revalidate window (15 s), within the stale-if-error window (70 s).
      await advance(30_000);
      const refresh = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(refresh.promise);

      const first = await cache.get(lookup({ maxStaleSeconds: Number.POSITIVE_INFINITY }));
      const second = await cache.get(lookup({ maxStaleSeconds: 25 }));
      refresh.resolve(testFetched({ displayName: 'New' }));
      await settle();
      const after = await cache.get(lookup());

      expect(status(first)).toBe('profile-gateway; hit; ttl=-20');
      expect(status(second)).toBe('profile-gateway; hit; ttl=-20');
      expect(profileOf(first.entry).displayName).toBe('Old');
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'stale', staleSeconds: 20, reason: 'max-stale' });
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(profileOf(after.entry).displayName).toBe('New');
    });

    it('should fetch when the copy is further past its freshness than max-stale=N', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(30_000);
      fetch.mockResolvedValueOnce(testFetched());

      const answer = await cache.get(lookup({ maxStaleSeconds: 5 }));

      expect(status(answer)).toBe('profile-gateway; fwd=miss; stored');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should answer NOT_CACHED for only-if-cached with max-age when the copy is too old', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(6_000);

      await expect(cache.get(lookup({ onlyIfCached: true, maxAgeSeconds: 5 }))).rejects.toBeInstanceOf(NotCachedError);
      expect(status(await cache.get(lookup({ onlyIfCached: true, maxAgeSeconds: 6 })))).toBe('profile-gateway; hit; ttl=4');
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should answer only-if-cached with max-stale from a copy past the revalidate window, without calling', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(40_000);

      const answer = await cache.get(lookup({ onlyIfCached: true, maxStaleSeconds: Number.POSITIVE_INFINITY }));

      expect(status(answer)).toBe('profile-gateway; hit; ttl=-30');
      await settle();
      expect(fetch).toHaveBeenCalledTimes(1);
    });
  });
});
