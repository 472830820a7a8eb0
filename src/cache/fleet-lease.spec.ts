import { deferred, FLEET_BUDGET_MS as BUDGET_MS, FLEET_KEY as KEY_PARTS, never, status, useSharedFleet } from '../../test/support/cache-spec-kit.js';
import { testFetched } from '../../test/support/test-profiles.js';
import type { CachePolicy } from '../config/config.types.js';
import { UpstreamFailureError, UpstreamTimeoutError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { profileCacheKey, profileLeaseKey } from './cache-keys.js';
import { LEASE_HEARTBEAT_MS, LEASE_TTL_MS } from './fleet-lease.js';
import { ProfileCache } from './index.js';

const ENTRY_KEY = profileCacheKey('pgw', KEY_PARTS);
const LEASE_KEY = profileLeaseKey('pgw', KEY_PARTS);
/** A fleet whose caches are closed after the test. */
const fleet = useSharedFleet();

describe(`${ProfileCache.name} lease and budget across instances`, () => {
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
    expect(profileOf(answer.entry).displayName).toBe('From B');
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
});
