import { deferred, FLEET_KEY as KEY_PARTS, settle, status, useSharedFleet } from '../../test/support/cache-spec-kit.js';
import { testFetched } from '../../test/support/test-profiles.js';
import type { CachePolicy } from '../config/config.types.js';
import { ProfileNotFoundError, UpstreamFailureError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { profileCacheKey, profileLeaseKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { CachedNotFoundError, type CacheTracer, ProfileCache } from './index.js';

const ENTRY_KEY = profileCacheKey('pgw', KEY_PARTS);
const LEASE_KEY = profileLeaseKey('pgw', KEY_PARTS);
/** A fleet whose caches are closed after the test. */
const fleet = useSharedFleet();

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
    expect(profileOf(waiter[0]!.entry).displayName).toBe('Shared');
  });

  it('should make one Redis read for a stampede of lookups of one key on one instance, not one per lookup', async () => {
    const { clock, redis, instance } = fleet();
    const a = instance('a');
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);

    const first = a.cache.get(a.lookup());
    for (let turn = 0; turn < 20 && a.fetch.mock.calls.length === 0; turn++) await settle();
    expect(a.fetch).toHaveBeenCalledTimes(1);
    const readsBefore = redis.reads.filter((key) => key === ENTRY_KEY).length;
    // The rest of the stampede arrives while the upstream call is under way.
    const rest = Array.from({ length: 49 }, () => a.cache.get(a.lookup()));
    await clock.advance(10);
    call.resolve(testFetched());
    await clock.run(Promise.all([first, ...rest]));

    expect(a.fetch).toHaveBeenCalledTimes(1);
    expect(redis.reads.filter((key) => key === ENTRY_KEY).length - readsBefore).toBe(1);
  });

  it('should pass each wait on the holder through the tracer it was given, and only that wait', async () => {
    const { clock, instance } = fleet();
    const ends: string[] = [];
    const tracer: CacheTracer = { leaseWait: (wait) => wait().then((end) => (ends.push(end.kind), end)) };
    const a = instance('a', undefined, tracer);
    const b = instance('b', undefined, tracer);
    const call = deferred<FetchedProfile>();
    a.fetch.mockReturnValue(call.promise);

    const first = a.cache.get(a.lookup());
    await clock.advance(5);
    const second = b.cache.get(b.lookup());
    await clock.advance(50);
    call.resolve(testFetched());
    await clock.run(Promise.all([first, second]));

    expect(ends).toEqual(['entry']);
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
    expect(profileOf(answer.entry).displayName).toBe('From A');
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
    expect(profileOf(seenByB.entry).displayName).toBe('After');
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
    expect(fresh.map((answer) => profileOf(answer.entry).displayName)).toEqual(['New', 'New']);
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
