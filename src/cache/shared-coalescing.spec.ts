import { jest } from '@jest/globals';

import { ManualClock } from '../../test/support/manual-clock.js';
import { testFetched } from '../../test/support/test-profiles.js';
import { InMemoryRedis } from '../../test/support/test-shared-tier.js';
import type { CachePolicy } from '../config/config.types.js';
import { ProfileNotFoundError, UpstreamFailureError, UpstreamTimeoutError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileCacheKey, profileLeaseKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { LEASE_HEARTBEAT_MS, LEASE_TTL_MS } from './fleet-lease.js';
import { type CacheAnswer, type CacheDirectives, CachedNotFoundError, type CacheLookup, type FetchBudget, ProfileCache } from './profile-cache.js';

const policy: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };
const KEY_PARTS = { source: 'crm-usertour', by: 'id', id: 'usr_1' } as const;
const ENTRY_KEY = profileCacheKey('pgw', KEY_PARTS);
const LEASE_KEY = profileLeaseKey('pgw', KEY_PARTS);
const BUDGET_MS = 2_000;

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

const status = (answer: CacheAnswer): string => cacheStatusOf(answer.outcome);
const never = (): Promise<FetchedProfile> => new Promise<FetchedProfile>(() => undefined);

const caches: ProfileCache[] = [];

/** A fleet of instances on one in-memory Redis, all on one virtual clock. */
function fleet() {
  const clock = new ManualClock();
  const redis = new InMemoryRedis(() => clock.now());
  const instance = (name: string, cachePolicy: CachePolicy = policy) => {
    const cache = new ProfileCache({
      redis: { url: 'redis://unused', keyPrefix: 'pgw', commandTimeoutMs: 100 },
      memory: { maxItems: 100, ttlMs: 30_000 },
      logger: { warn: jest.fn(), error: jest.fn() },
      clock,
    });
    cache.attachRedis(redis.connect(name, (message) => cache.onInvalidation(message)));
    caches.push(cache);
    const fetch = jest.fn<(budget: FetchBudget) => Promise<FetchedProfile>>();
    const lookup = (directives: CacheDirectives = {}): CacheLookup => ({ key: { ...KEY_PARTS }, policy: cachePolicy, directives, fetch, budgetMs: BUDGET_MS });
    return { cache, fetch, lookup };
  };
  return { clock, redis, instance };
}

afterEach(async () => {
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
});

describe(`${ProfileCache.name} across instances sharing Redis`, () => {
  it('should make one upstream call for concurrent cold requests on two instances and answer the other instance collapsed', async () => {
    const { clock, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);
    b.fetch.mockReturnValue(call.promise);

    const fromA = Array.from({ length: 5 }, () => a.cache.get(a.lookup()));
    const fromB = Array.from({ length: 5 }, () => b.cache.get(b.lookup()));
    await clock.advance(300);
    call.resolve(testFetched({ displayName: 'Shared' }));
    const answers = await clock.run(Promise.all([...fromA, ...fromB]));

    expect(a.fetch.mock.calls.length + b.fetch.mock.calls.length).toBe(1);
    const holder = a.fetch.mock.calls.length === 1 ? answers.slice(0, 5) : answers.slice(5);
    const waiter = a.fetch.mock.calls.length === 1 ? answers.slice(5) : answers.slice(0, 5);
    expect(holder.map(status).sort()).toEqual(['profile-gateway; fwd=miss; stored', ...Array<string>(4).fill('profile-gateway; fwd=miss; stored; collapsed')]);
    expect(waiter.map(status)).toEqual(Array<string>(5).fill('profile-gateway; fwd=miss; stored; collapsed'));
    expect(new Set(answers.map((answer) => answer.entry.etag)).size).toBe(1);
    expect(waiter[0]!.entry.profile.displayName).toBe('Shared');
  });

  it('should take a short lease, extend it while the call runs, and release it once the entry is stored', async () => {
    const { clock, redis, instance } = fleet();
    const a = instance('a');
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);

    const pending = a.cache.get(a.lookup());
    await clock.advance(1_000);
    expect(redis.remainingMs(LEASE_KEY)).toBeGreaterThan(LEASE_TTL_MS - LEASE_HEARTBEAT_MS);
    call.resolve(testFetched());
    await pending;
    await a.cache.whenIdle();

    expect(redis.leasesTaken).toEqual([{ key: LEASE_KEY, ttlMs: LEASE_TTL_MS }]);
    expect(redis.leasesExtended.length).toBe(1_000 / LEASE_HEARTBEAT_MS);
    expect(redis.keys()).toEqual([ENTRY_KEY]);
  });

  it('should answer a 404 found by the holder on the waiting instance without a second call', async () => {
    const { clock, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);

    const first = a.cache.get(a.lookup()).catch((error: unknown) => error);
    await clock.advance(5);
    const second = b.cache.get(b.lookup()).catch((error: unknown) => error);
    await clock.advance(300);
    call.reject(new ProfileNotFoundError('crm-usertour', 'usr_1'));

    expect(await clock.run(first)).toBeInstanceOf(CachedNotFoundError);
    const answer = (await clock.run(second)) as CachedNotFoundError;
    expect(answer).toBeInstanceOf(CachedNotFoundError);
    expect(cacheStatusOf(answer.facts.outcome)).toBe('profile-gateway; fwd=miss; stored; collapsed');
    expect(b.fetch).not.toHaveBeenCalled();
  });

  it('should make its own call with what is left of its budget when the holder’s call fails, as errors are not cached', async () => {
    const { clock, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);
    b.fetch.mockResolvedValue(testFetched({ displayName: 'From B' }));

    const first = a.cache.get(a.lookup()).catch((error: unknown) => error);
    await clock.advance(5);
    const started = clock.now();
    const second = b.cache.get(b.lookup());
    await clock.advance(500);
    expect(b.fetch).not.toHaveBeenCalled();
    call.reject(new UpstreamFailureError('crm-usertour', 'status 503', 503));

    expect(await clock.run(first)).toBeInstanceOf(UpstreamFailureError);
    const answer = await clock.run(second);
    expect(status(answer)).toBe('profile-gateway; fwd=miss; stored');
    expect(answer.entry.profile.displayName).toBe('From B');
    expect(b.fetch).toHaveBeenCalledTimes(1);
    const [{ budgetMs }] = b.fetch.mock.calls[0]!;
    expect(budgetMs).toBe(BUDGET_MS - (clock.now() - started));
    expect(budgetMs).toBeLessThanOrEqual(BUDGET_MS - 500);
  });

  it('should take over within the short lease when the holder dies, with what is left of its budget', async () => {
    const { clock, redis, instance } = fleet();
    const b = instance('b');
    b.fetch.mockResolvedValue(testFetched());
    // A holder that then dies (kill -9): its lease is never extended nor released.
    redis.set(LEASE_KEY, 'dead-instance:1', LEASE_TTL_MS);

    const started = clock.now();
    const answer = await clock.run(b.cache.get(b.lookup()));

    expect(status(answer)).toBe('profile-gateway; fwd=miss; stored');
    expect(b.fetch).toHaveBeenCalledTimes(1);
    const tookOverAfter = clock.now() - started;
    expect(tookOverAfter).toBeGreaterThanOrEqual(LEASE_TTL_MS);
    expect(tookOverAfter).toBeLessThanOrEqual(LEASE_TTL_MS + 5);
    expect(b.fetch).toHaveBeenCalledWith({ budgetMs: BUDGET_MS - tookOverAfter });
  });

  it('should answer UPSTREAM_TIMEOUT at its budget while a live holder keeps its lease, without calling', async () => {
    const { clock, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    a.fetch.mockImplementation(never);

    void a.cache.get(a.lookup()).catch(() => undefined);
    await clock.advance(5);
    const started = clock.now();
    const error = await clock.run(b.cache.get(b.lookup()).catch((reason: unknown) => reason));

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(clock.now() - started).toBe(BUDGET_MS);
    expect(b.fetch).not.toHaveBeenCalled();
  });

  it('should answer its stale copy at its budget while waiting on a live holder', async () => {
    const sie: CachePolicy = { ttlMs: 1_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 60_000, notFoundTtlMs: 1_000 };
    const { clock, instance } = fleet();
    const a = instance('a', sie);
    const b = instance('b', sie);
    b.fetch.mockResolvedValueOnce(testFetched());
    await b.cache.get(b.lookup());
    await clock.advance(5_000);
    a.fetch.mockImplementation(never);

    void a.cache.get(a.lookup()).catch(() => undefined);
    await clock.advance(5);
    const answer = await clock.run(b.cache.get(b.lookup()));

    expect(status(answer)).toBe('profile-gateway; fwd=stale; detail=stale-if-error');
    expect(b.fetch).toHaveBeenCalledTimes(1);
  });

  it('should use an entry stored between its read and its lease instead of calling', async () => {
    const { clock, redis, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    a.fetch.mockResolvedValue(testFetched({ displayName: 'From A' }));
    await a.cache.get(a.lookup());
    await a.cache.whenIdle();
    const stored = redis.get(ENTRY_KEY)!;
    redis.delete(ENTRY_KEY);
    redis.beforeLease = () => redis.set(ENTRY_KEY, stored, 60_000);

    const answer = await clock.run(b.cache.get(b.lookup()));

    expect(b.fetch).not.toHaveBeenCalled();
    expect(status(answer)).toBe('profile-gateway; fwd=miss; stored; collapsed');
    expect(answer.entry.profile.displayName).toBe('From A');
    await b.cache.whenIdle();
    expect(redis.get(LEASE_KEY)).toBeUndefined();
  });

  it('should not wait on a lease for a no-cache request and announce its result to the other instance', async () => {
    const { clock, redis, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    b.fetch.mockResolvedValue(testFetched({ displayName: 'Before' }));
    await b.cache.get(b.lookup());
    await b.cache.whenIdle();
    redis.set(LEASE_KEY, 'another-instance:1', 10_000);
    a.fetch.mockResolvedValue(testFetched({ displayName: 'After' }));
    await clock.advance(5);

    const started = clock.now();
    const refreshed = await clock.run(a.cache.get(a.lookup({ noCache: true })));
    expect(clock.now()).toBe(started);
    await a.cache.whenIdle();
    await clock.advance(0);
    const seenByB = await clock.run(b.cache.get(b.lookup()));

    expect(status(refreshed)).toBe('profile-gateway; fwd=request; stored');
    expect(seenByB.entry.profile.displayName).toBe('After');
    expect(status(seenByB)).toMatch(/^profile-gateway; hit; ttl=/);
    expect(b.fetch).toHaveBeenCalledTimes(1);
  });

  it('should let another instance wait on a no-cache refresh when the lease was free', async () => {
    const { clock, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);

    const refresh = a.cache.get(a.lookup({ noCache: true }));
    await clock.advance(5);
    const miss = b.cache.get(b.lookup());
    await clock.advance(300);
    call.resolve(testFetched());

    expect(status(await clock.run(refresh))).toBe('profile-gateway; fwd=request; stored');
    expect(status(await clock.run(miss))).toBe('profile-gateway; fwd=miss; stored; collapsed');
    expect(b.fetch).not.toHaveBeenCalled();
  });

  it('should be woken by the announcement of the entry instead of waiting for its next poll', async () => {
    const { clock, instance } = fleet();
    const a = instance('a');
    const b = instance('b');
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);

    void a.cache.get(a.lookup());
    await clock.advance(5);
    const waiting = b.cache.get(b.lookup());
    await clock.advance(150);
    const before = clock.now();
    call.resolve(testFetched());
    const answer = await clock.run(waiting);

    expect(status(answer)).toBe('profile-gateway; fwd=miss; stored; collapsed');
    expect(clock.now()).toBe(before);
  });

  it('should coalesce per instance only while Redis does not answer', async () => {
    const { clock, redis, instance } = fleet();
    redis.down = true;
    const a = instance('a');
    const b = instance('b');
    a.fetch.mockResolvedValue(testFetched());
    b.fetch.mockResolvedValue(testFetched());

    const answers = await clock.run(Promise.all([a.cache.get(a.lookup()), a.cache.get(a.lookup()), b.cache.get(b.lookup()), b.cache.get(b.lookup())]));

    expect(a.fetch).toHaveBeenCalledTimes(1);
    expect(b.fetch).toHaveBeenCalledTimes(1);
    expect(answers.map(status)).toEqual([
      'profile-gateway; fwd=miss; stored',
      'profile-gateway; fwd=miss; stored; collapsed',
      'profile-gateway; fwd=miss; stored',
      'profile-gateway; fwd=miss; stored; collapsed',
    ]);
    expect(redis.leasesTaken).toEqual([]);
  });

  it('should make its own call at once when Redis stops answering during the wait', async () => {
    const { clock, redis, instance } = fleet();
    const b = instance('b');
    b.fetch.mockResolvedValue(testFetched());
    redis.set(LEASE_KEY, 'another-instance:1', 10_000);

    const pending = b.cache.get(b.lookup());
    await clock.advance(100);
    redis.down = true;
    const downAt = clock.now();
    const answer = await clock.run(pending);

    expect(clock.now() - downAt).toBeLessThanOrEqual(100);
    expect(status(answer)).toBe('profile-gateway; fwd=miss; stored');
    expect(b.fetch).toHaveBeenCalledTimes(1);
  });

  it('should run one stale-while-revalidate refresh for the fleet', async () => {
    const swr: CachePolicy = { ttlMs: 100, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 0, notFoundTtlMs: 1_000 };
    const { clock, instance } = fleet();
    const a = instance('a', swr);
    const b = instance('b', swr);
    a.fetch.mockResolvedValue(testFetched({ displayName: 'Old' }));
    await a.cache.get(a.lookup());
    await a.cache.whenIdle();
    await clock.run(b.cache.get(b.lookup()));
    await clock.advance(1_100);
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);
    b.fetch.mockReturnValue(call.promise);

    const stale = await Promise.all([a.cache.get(a.lookup()), b.cache.get(b.lookup())]);
    await clock.advance(300);
    call.resolve(testFetched({ displayName: 'New' }));
    await clock.advance(300);
    const calls = a.fetch.mock.calls.length + b.fetch.mock.calls.length;
    const fresh = await clock.run(Promise.all([a.cache.get(a.lookup()), b.cache.get(b.lookup())]));

    expect(stale.map(status)).toEqual(Array<string>(2).fill('profile-gateway; hit; ttl=-1'));
    expect(calls).toBe(2);
    expect(fresh.map((answer) => answer.entry.profile.displayName)).toEqual(['New', 'New']);
  });

  it('should wait for an entry newer than its stale copy and serve stale-if-error when the holder and its own call fail', async () => {
    const sie: CachePolicy = { ttlMs: 20, staleWhileRevalidateMs: 0, staleIfErrorMs: 60_000, notFoundTtlMs: 1_000 };
    const { clock, instance } = fleet();
    const a = instance('a', sie);
    const b = instance('b', sie);
    a.fetch.mockResolvedValue(testFetched());
    await a.cache.get(a.lookup());
    await a.cache.whenIdle();
    await clock.advance(30);
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);
    b.fetch.mockRejectedValue(new UpstreamFailureError('crm-usertour', 'status 503', 503));

    const first = a.cache.get(a.lookup());
    await clock.advance(5);
    const second = b.cache.get(b.lookup());
    await clock.advance(300);
    expect(b.fetch).not.toHaveBeenCalled();
    call.reject(new UpstreamFailureError('crm-usertour', 'status 503', 503));

    expect(status(await clock.run(first))).toBe('profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error');
    expect(status(await clock.run(second))).toBe('profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error');
    expect(b.fetch).toHaveBeenCalledTimes(1);
  });
});
