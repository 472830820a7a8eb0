import { deferred, memoryCache as setup, notFoundOf, settle, status, T0 } from '../../test/support/cache-spec-kit.js';
import { testFetched } from '../../test/support/test-profiles.js';
import {
  NotCachedError,
  ProfileNotFoundError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamTimeoutError,
  UpstreamUnavailableError,
} from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { cacheStatusOf } from './cache-outcome.js';
import { profileEtag } from './etag.js';
import { createProfileCache, ProfileCache } from './index.js';

describe(ProfileCache.name, () => {
  describe('without directives', () => {
    it('should fetch and store on a miss, then answer a hit without fetching again', async () => {
      const { cache, fetch, lookup, advance } = setup();
      const fetched = testFetched();
      fetch.mockResolvedValue(fetched);

      const miss = await cache.get(lookup());
      await advance(4_200);
      const hit = await cache.get(lookup());

      expect(fetch).toHaveBeenCalledTimes(1);
      expect(miss).toEqual({
        entry: { kind: 'profile', body: JSON.stringify(fetched.profile), rawJson: JSON.stringify(fetched.raw), fetchedAtMs: T0, etag: profileEtag(fetched.profile) },
        outcome: { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false },
        ageSeconds: 0,
        maxAgeSeconds: 10,
      });
      expect(hit.outcome).toEqual({ kind: 'hit', ttlSeconds: 5, notFound: false });
      expect(status(hit)).toBe('profile-gateway; hit; ttl=5');
      expect(hit.ageSeconds).toBe(4);
      // v2: max-age is the whole freshness lifetime, Age counts the time since the fetch.
      expect(hit.maxAgeSeconds).toBe(10);
      expect(profileOf(hit.entry)).toEqual(fetched.profile);
    });

    it('should make one upstream call for concurrent cold requests and mark the waiters collapsed', async () => {
      const { cache, fetch, lookup, observer } = setup();
      const call = deferred<FetchedProfile>();
      fetch.mockReturnValue(call.promise);

      const answers = Array.from({ length: 20 }, () => cache.get(lookup()));
      await settle();
      call.resolve(testFetched());
      const statuses = (await Promise.all(answers)).map(status);

      expect(fetch).toHaveBeenCalledTimes(1);
      expect(statuses.filter((s) => s === 'profile-gateway; fwd=miss; stored')).toHaveLength(1);
      expect(statuses.filter((s) => s === 'profile-gateway; fwd=miss; stored; collapsed')).toHaveLength(19);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'fetched', fwd: 'miss', collapsed: true, notFound: false });
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false });
    });

    it('should keep different ids and lookup kinds apart', async () => {
      const { cache, fetch, lookup } = setup();
      fetch.mockImplementation(() => Promise.resolve(testFetched()));

      await cache.get(lookup({}, 'a'));
      await cache.get(lookup({}, 'b'));
      await cache.get({ ...lookup({}, 'a'), key: { source: 'crm-usertour', by: 'externalId', id: 'a' } });

      expect(fetch).toHaveBeenCalledTimes(3);
    });

    it('should answer stale at once within staleWhileRevalidate and run exactly one background refresh', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched({ displayName: 'Old' }));
      await cache.get(lookup());
      await advance(11_000);
      const refresh = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(refresh.promise);

      const first = await cache.get(lookup());
      const second = await cache.get(lookup());

      expect(status(first)).toBe('profile-gateway; hit; ttl=-1');
      expect(profileOf(first.entry).displayName).toBe('Old');
      expect(first.maxAgeSeconds).toBe(10);
      expect(first.ageSeconds).toBe(11);
      expect(status(second)).toBe(status(first));
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'stale', staleSeconds: 1, reason: 'stale-while-revalidate' });

      refresh.resolve(testFetched({ displayName: 'New' }));
      await settle();
      const after = await cache.get(lookup());

      expect(status(after)).toBe('profile-gateway; hit; ttl=10');
      expect(profileOf(after.entry).displayName).toBe('New');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should log a failed background refresh and keep answering the stale copy', async () => {
      const { cache, fetch, lookup, advance, logger } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(12_000);
      fetch.mockRejectedValueOnce(new UpstreamFailureError('crm-usertour', 'status 500', 500));

      const answer = await cache.get(lookup());
      await settle();
      const again = await cache.get(lookup());

      expect(answer.outcome.kind).toBe('stale');
      expect(again.outcome.kind).toBe('stale');
      expect(logger.warn).toHaveBeenCalledWith(expect.objectContaining({ source: 'crm-usertour', id: 'usr_1' }), 'Background refresh of a cached profile failed');
    });

    it.each([
      ['a 503', new UpstreamFailureError('crm-usertour', 'status 503', 503), 'profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error'],
      ['an upstream 429', new UpstreamRateLimitedError('crm-usertour', 5), 'profile-gateway; fwd=stale; fwd-status=429; detail=stale-if-error'],
      ['a timeout, with no status', new UpstreamTimeoutError('crm-usertour', 2000), 'profile-gateway; fwd=stale; detail=stale-if-error'],
      ['an open circuit, with no call made', new UpstreamUnavailableError('crm-usertour', 30), 'profile-gateway; hit; ttl=-10; detail=stale-if-error'],
      ['a spent upstream budget, with no call made', new UpstreamRateLimitedError('crm-usertour', 5, 0), 'profile-gateway; hit; ttl=-10; detail=stale-if-error'],
    ])('should serve the stale copy when the upstream fails with %s', async (_name, error, expected) => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(20_000);
      fetch.mockRejectedValueOnce(error);

      const answer = await cache.get(lookup());

      expect(status(answer)).toBe(expected);
      expect(answer.ageSeconds).toBe(20);
      expect(answer.maxAgeSeconds).toBe(10);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', expect.objectContaining({ kind: 'stale-if-error', staleSeconds: 10 }));
    });

    it('should mark a stale-if-error answer collapsed when it waited on another request’s call', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(20_000);
      const call = deferred<FetchedProfile>();
      fetch.mockReturnValueOnce(call.promise);

      const leader = cache.get(lookup());
      const follower = cache.get(lookup());
      await settle();
      call.reject(new UpstreamFailureError('crm-usertour', 'status 502', 502));

      expect(status(await leader)).toBe('profile-gateway; fwd=stale; fwd-status=502; detail=stale-if-error');
      expect(status(await follower)).toBe('profile-gateway; fwd=stale; fwd-status=502; detail=stale-if-error; collapsed');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should throw the upstream error when the stale copy is older than ttl + staleIfError', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(70_000);
      const error = new UpstreamFailureError('crm-usertour', 'status 503', 503);
      fetch.mockRejectedValueOnce(error);

      await expect(cache.get(lookup())).rejects.toBe(error);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', { kind: 'failed', fwd: 'miss', collapsed: false });
    });

    it('should pass an error that is not an upstream failure through without a stale answer', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(20_000);
      const bug = new TypeError('mapper bug');
      fetch.mockRejectedValueOnce(bug);

      await expect(cache.get(lookup())).rejects.toBe(bug);
    });

    it('should cache a 404 for notFoundTtl, answer it with its caching facts, and fetch again afterwards', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockRejectedValueOnce(new ProfileNotFoundError('crm-usertour', 'usr_1')).mockResolvedValueOnce(testFetched());

      const fetched = await notFoundOf(cache.get(lookup()));
      expect(fetched.code).toBe('PROFILE_NOT_FOUND');
      expect(fetched.facts).toEqual({ outcome: { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: true }, ageSeconds: 0, maxAgeSeconds: 3 });
      expect(cacheStatusOf(fetched.facts.outcome)).toBe('profile-gateway; fwd=miss; stored');
      await advance(1_900);
      const cached = await notFoundOf(cache.get(lookup()));
      expect(cached.facts).toEqual({ outcome: { kind: 'hit', ttlSeconds: 1, notFound: true }, ageSeconds: 1, maxAgeSeconds: 3 });
      expect(cacheStatusOf(cached.facts.outcome)).toBe('profile-gateway; hit; ttl=1');
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(observer.onOutcome).toHaveBeenLastCalledWith('crm-usertour', { kind: 'hit', ttlSeconds: 1, notFound: true });
      await advance(1_200);
      const answer = await cache.get(lookup());

      expect(status(answer)).toBe('profile-gateway; fwd=miss; stored');
      expect(fetch).toHaveBeenCalledTimes(2);
    });

    it('should never cache an unusable upstream response', async () => {
      const { cache, fetch, lookup } = setup();
      const bad = new UpstreamBadResponseError('crm-usertour', 'not JSON', 200);
      fetch.mockRejectedValueOnce(bad).mockResolvedValueOnce(testFetched());

      await expect(cache.get(lookup())).rejects.toBe(bad);
      const answer = await cache.get(lookup());

      expect(status(answer)).toBe('profile-gateway; fwd=miss; stored');
      expect(fetch).toHaveBeenCalledTimes(2);
    });
  });

  describe('memory tier', () => {
    it('should drop the least recently used entry beyond maxItems', async () => {
      const { cache, fetch, lookup } = setup({ maxItems: 2 });
      fetch.mockImplementation(() => Promise.resolve(testFetched()));
      await cache.get(lookup({}, 'a'));
      await cache.get(lookup({}, 'b'));
      await cache.get(lookup({}, 'c'));

      await expect(cache.get(lookup({ onlyIfCached: true }, 'a'))).rejects.toBeInstanceOf(NotCachedError);
      expect(status(await cache.get(lookup({ onlyIfCached: true }, 'c')))).toBe('profile-gateway; hit; ttl=10');
    });

    it('should keep entries for their whole stale-if-error window when it serves alone', async () => {
      const { cache, fetch, lookup, advance } = setup();
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await advance(65_000);
      fetch.mockRejectedValueOnce(new UpstreamTimeoutError('crm-usertour', 2000));

      const answer = await cache.get(lookup());

      expect(status(answer)).toBe('profile-gateway; fwd=stale; detail=stale-if-error');
    });

    it('should report memory-only status without Redis', () => {
      const cache = createProfileCache({ memory: { maxItems: 10, ttlMs: 1_000 } });

      expect(cache.status()).toBe('memory-only');
    });
  });
});
