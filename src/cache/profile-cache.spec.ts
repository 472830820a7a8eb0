import { jest } from '@jest/globals';

import { ManualClock } from '../../test/support/manual-clock.js';
import { testFetched } from '../../test/support/test-profiles.js';
import type { CachePolicy } from '../config/config.types.js';
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
import { cacheStatusOf } from './cache-outcome.js';
import { profileEtag } from './etag.js';
import {
  type CacheAnswer,
  type CacheDirectives,
  CachedNotFoundError,
  type CacheLookup,
  type CacheObserver,
  createProfileCache,
  type FetchBudget,
  ProfileCache,
} from './profile-cache.js';

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

const status = (answer: CacheAnswer): string => cacheStatusOf(answer.outcome);

/** The 404 a lookup rejected with, as a `CachedNotFoundError`. */
async function notFoundOf(pending: Promise<unknown>): Promise<CachedNotFoundError> {
  const error = await pending.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(CachedNotFoundError);
  return error as CachedNotFoundError;
}

function setup(options: { maxItems?: number; budgetMs?: number } = {}) {
  const clock = new ManualClock(T0);
  const observer = { onOutcome: jest.fn<CacheObserver['onOutcome']>(), onRedisError: jest.fn<CacheObserver['onRedisError']>() };
  const logger = { warn: jest.fn(), error: jest.fn() };
  const cache = new ProfileCache({ memory: { maxItems: options.maxItems ?? 100, ttlMs: 30_000 }, observer, logger, clock });
  const fetch = jest.fn<(budget: FetchBudget) => Promise<FetchedProfile>>();
  const lookup = (directives: CacheDirectives = {}, id = 'usr_1'): CacheLookup => ({
    key: { source: 'crm-usertour', by: 'id', id },
    policy,
    directives,
    fetch,
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
  });
  return { cache, clock, fetch, observer, logger, lookup, advance: (ms: number) => clock.advance(ms) };
}

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
        entry: { kind: 'profile', profile: fetched.profile, raw: fetched.raw, fetchedAtMs: T0, etag: profileEtag(fetched.profile) },
        outcome: { kind: 'fetched', fwd: 'miss', collapsed: false, notFound: false },
        ageSeconds: 0,
        maxAgeSeconds: 10,
      });
      expect(hit.outcome).toEqual({ kind: 'hit', ttlSeconds: 5, notFound: false });
      expect(status(hit)).toBe('profile-gateway; hit; ttl=5');
      expect(hit.ageSeconds).toBe(4);
      // v2: max-age is the whole freshness lifetime, Age counts the time since the fetch.
      expect(hit.maxAgeSeconds).toBe(10);
      expect(hit.entry.profile).toEqual(fetched.profile);
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
      expect(first.entry.profile.displayName).toBe('Old');
      expect(first.maxAgeSeconds).toBe(10);
      expect(first.ageSeconds).toBe(11);
      expect(status(second)).toBe(status(first));
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'stale', staleSeconds: 1, reason: 'stale-while-revalidate' });

      refresh.resolve(testFetched({ displayName: 'New' }));
      await settle();
      const after = await cache.get(lookup());

      expect(status(after)).toBe('profile-gateway; hit; ttl=10');
      expect(after.entry.profile.displayName).toBe('New');
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

  describe('time budget', () => {
    it('should give the upstream call the whole budget when nothing was waited for', async () => {
      const { cache, fetch, lookup } = setup({ budgetMs: 1_500 });
      fetch.mockResolvedValue(testFetched());

      await cache.get(lookup());

      expect(fetch).toHaveBeenCalledWith({ budgetMs: 1_500 });
    });

    it('should answer UPSTREAM_TIMEOUT at the budget while a joined call is still running', async () => {
      const { cache, clock, fetch, lookup } = setup({ budgetMs: 1_000 });
      fetch.mockReturnValue(new Promise<FetchedProfile>(() => undefined));

      const first = cache.get(lookup());
      await clock.advance(600);
      const joined = cache.get(lookup());
      const firstError = clock.run(first.catch((error: unknown) => error));
      expect(await firstError).toBeInstanceOf(UpstreamTimeoutError);
      expect(clock.now()).toBe(T0 + 1_000);
      expect(await clock.run(joined.catch((error: unknown) => error))).toBeInstanceOf(UpstreamTimeoutError);
      expect(clock.now()).toBe(T0 + 1_600);
      expect(fetch).toHaveBeenCalledTimes(1);
    });

    it('should answer the stale copy when the budget runs out and stale-if-error applies', async () => {
      const { cache, clock, fetch, lookup } = setup({ budgetMs: 1_000 });
      fetch.mockResolvedValueOnce(testFetched());
      await cache.get(lookup());
      await clock.advance(20_000);
      fetch.mockReturnValueOnce(new Promise<FetchedProfile>(() => undefined));

      const answer = await clock.run(cache.get(lookup()));

      expect(status(answer)).toBe('profile-gateway; fwd=stale; detail=stale-if-error');
      expect(clock.now()).toBe(T0 + 21_000);
    });
  });

  describe('no-cache', () => {
    it('should call the upstream even with a fresh copy and store the result', async () => {
      const { cache, fetch, lookup, advance, observer } = setup();
      fetch.mockResolvedValueOnce(testFetched({ displayName: 'Old' })).mockResolvedValueOnce(testFetched({ displayName: 'New' }));
      await cache.get(lookup());
      await advance(1_000);

      const refreshed = await cache.get(lookup({ noCache: true }));
      const hit = await cache.get(lookup());

      expect(status(refreshed)).toBe('profile-gateway; fwd=request; stored');
      expect(refreshed.entry.profile.displayName).toBe('New');
      expect(refreshed.ageSeconds).toBe(0);
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'fetched', fwd: 'request', collapsed: false, notFound: false });
      expect(hit.entry.profile.displayName).toBe('New');
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
      expect(refreshed.entry.profile.displayName).toBe('After edit');
      expect(hit.entry.profile.displayName).toBe('After edit');
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
      expect((await refetch).entry.profile.displayName).toBe('New');
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
      expect(first.entry.profile.displayName).toBe('Old');
      expect(observer.onOutcome).toHaveBeenCalledWith('crm-usertour', { kind: 'stale', staleSeconds: 20, reason: 'max-stale' });
      expect(fetch).toHaveBeenCalledTimes(2);
      expect(after.entry.profile.displayName).toBe('New');
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
