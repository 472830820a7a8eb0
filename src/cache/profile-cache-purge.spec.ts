import { deferred, FLEET_KEY, settle, sharedFleet, status } from '../../test/support/cache-spec-kit.js';
import { testFetched } from '../../test/support/test-profiles.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { isTombstone } from './cache-entry.js';
import { profileCacheKey, sourceGenerationKey } from './cache-keys.js';

const TOMBSTONE_TTL_MS = 7_000;

describe('ProfileCache purge decisions (in-memory fleet)', () => {
  let fleet: ReturnType<typeof sharedFleet>;

  beforeEach(() => {
    fleet = sharedFleet();
  });

  afterEach(async () => {
    await fleet.close();
  });

  it('should replace the entry with a tombstone that lives the given time, and answer the next read as a miss', async () => {
    const a = fleet.instance('a');
    a.fetch.mockResolvedValue(testFetched());
    await a.cache.get(a.lookup());
    await a.cache.whenIdle();

    expect(await a.cache.purge(FLEET_KEY, TOMBSTONE_TTL_MS)).toBe('shared');
    const key = profileCacheKey('pgw', FLEET_KEY);

    expect(isTombstone(fleet.redis.get(key) ?? '')).toBe(true);
    expect(fleet.redis.remainingMs(key)).toBe(TOMBSTONE_TTL_MS);
    expect(status(await a.cache.get(a.lookup()))).toBe('profile-gateway; fwd=miss; stored');
  });

  it('should drop the memory copy of another instance when the purge is announced', async () => {
    const a = fleet.instance('a');
    const b = fleet.instance('b');
    a.fetch.mockResolvedValue(testFetched());
    b.fetch.mockResolvedValue(testFetched({ givenName: 'after' }));
    await a.cache.get(a.lookup());
    await a.cache.whenIdle();
    await b.cache.get(b.lookup());

    await a.cache.purge(FLEET_KEY, TOMBSTONE_TTL_MS);
    await new Promise((resolve) => setImmediate(resolve));

    const answer = await b.cache.get(b.lookup());
    expect(status(answer)).toBe('profile-gateway; fwd=miss; stored');
    expect(profileOf(answer.entry).givenName).toBe('after');
  });

  it('should answer the requests that waited on a call superseded by a purge as a miss, not store it, and not let later requests join it', async () => {
    const a = fleet.instance('a');
    const before = deferred<FetchedProfile>();
    a.fetch.mockReturnValueOnce(before.promise).mockResolvedValue(testFetched({ givenName: 'after' }));
    const waiting = a.cache.get(a.lookup());
    await settle();

    await a.cache.purge(FLEET_KEY, TOMBSTONE_TTL_MS);
    const later = a.cache.get(a.lookup());
    before.resolve(testFetched({ givenName: 'before' }));
    const first = await waiting;
    // The later request waits on the fleet lease of the superseded call, then takes over once it is released.
    await fleet.clock.advance(200);
    const second = await later;
    await a.cache.whenIdle();

    expect(status(first)).toBe('profile-gateway; fwd=miss');
    expect(profileOf(first.entry).givenName).toBe('before');
    expect(profileOf(second.entry).givenName).toBe('after');
    expect(profileOf((await a.cache.get(a.lookup())).entry).givenName).toBe('after');
  });

  it('should give a purged source a new generation in Redis, so its old entries are not read again', async () => {
    const a = fleet.instance('a');
    const b = fleet.instance('b');
    a.fetch.mockResolvedValue(testFetched());
    b.fetch.mockResolvedValue(testFetched({ givenName: 'after' }));
    await a.cache.get(a.lookup());
    await a.cache.whenIdle();

    expect(await a.cache.purgeSource(FLEET_KEY.source)).toBe('shared');
    await new Promise((resolve) => setImmediate(resolve));

    expect(fleet.redis.get(sourceGenerationKey('pgw', FLEET_KEY.source))).toBe('1');
    expect(fleet.redis.get(profileCacheKey('pgw', FLEET_KEY, 0))).toBeDefined();
    expect(profileOf((await b.cache.get(b.lookup())).entry).givenName).toBe('after');
    expect(await a.cache.keyOf(FLEET_KEY)).toBe(profileCacheKey('pgw', FLEET_KEY, 1));
  });

  it('should report a purge that Redis did not take as failed, after purging this instance', async () => {
    const a = fleet.instance('a');
    a.fetch.mockResolvedValue(testFetched());
    await a.cache.get(a.lookup());
    fleet.redis.down = true;

    expect(await a.cache.purge(FLEET_KEY, TOMBSTONE_TTL_MS)).toBe('failed');
    expect(await a.cache.purgeSource(FLEET_KEY.source)).toBe('failed');
  });
});
