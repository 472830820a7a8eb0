import { jest } from '@jest/globals';
import { Redis } from 'ioredis';

import { testFetched } from '../../test/support/test-profiles.js';
import type { CachePolicy, RedisConfig } from '../config/config.types.js';
import { ProfileNotFoundError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileLeaseKey } from './cache-keys.js';
import { type CacheDirective, type CacheLookup, createProfileCache, type ProfileCache } from './profile-cache.js';

const REDIS_URL = process.env.REDIS_URL as string;
const POLICY: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };

let prefixCounter = 0;
const opened: ProfileCache[] = [];
let raw: Redis;

function uniquePrefix(): string {
  prefixCounter += 1;
  return `lease-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** One gateway instance's cache on the test Redis. */
async function openInstance(redis: RedisConfig) {
  const cache = createProfileCache({ redis, memory: { maxItems: 1_000, ttlMs: 60_000 }, logger: { warn: jest.fn(), error: jest.fn() } });
  opened.push(cache);
  await waitUntil(() => cache.status() === 'up', 5_000, 'Redis to connect');
  const fetch = jest.fn<() => Promise<FetchedProfile>>();
  const lookup = (options: { directive?: CacheDirective; leaseMs?: number; id?: string } = {}): CacheLookup => ({
    key: { source: 'crm-usertour', by: 'id', id: options.id ?? 'usr_1' },
    policy: POLICY,
    directive: options.directive ?? 'default',
    fetch,
    ...(options.leaseMs === undefined ? {} : { leaseMs: options.leaseMs }),
  });
  return { cache, fetch, lookup };
}

beforeAll(() => {
  raw = new Redis(REDIS_URL);
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});

afterAll(async () => {
  await raw.quit();
});

describe('ProfileCache instances sharing one Redis', () => {
  it('should make one upstream call for 100 concurrent cold requests split over two instances', async () => {
    const redis: RedisConfig = { url: REDIS_URL, keyPrefix: uniquePrefix(), commandTimeoutMs: 200 };
    const a = await openInstance(redis);
    const b = await openInstance(redis);
    const upstream = async (): Promise<FetchedProfile> => {
      await sleep(100);
      return testFetched({ displayName: 'Once' });
    };
    a.fetch.mockImplementation(upstream);
    b.fetch.mockImplementation(upstream);

    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).cache.get((i % 2 === 0 ? a : b).lookup())));

    expect(a.fetch.mock.calls.length + b.fetch.mock.calls.length).toBe(1);
    const statuses = answers.map((answer) => answer.cacheStatus);
    expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored; collapsed')).toHaveLength(99);
    expect(new Set(answers.map((answer) => answer.entry.etag)).size).toBe(1);
  });

  it('should hold the lease for leaseMs during the call and release it once the entry is stored', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openInstance({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 200 });
    const leaseKey = profileLeaseKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' });
    let pttlDuringCall = 0;
    a.fetch.mockImplementation(async () => {
      pttlDuringCall = await raw.pttl(leaseKey);
      return testFetched();
    });

    await a.cache.get(a.lookup({ leaseMs: 4_000 }));
    await a.cache.whenIdle();

    expect(pttlDuringCall).toBeGreaterThan(3_500);
    expect(pttlDuringCall).toBeLessThanOrEqual(4_000);
    expect(await raw.exists(leaseKey)).toBe(0);
  });

  it('should propagate a 404 found by the holder to the other instance without a second call', async () => {
    const redis: RedisConfig = { url: REDIS_URL, keyPrefix: uniquePrefix(), commandTimeoutMs: 200 };
    const a = await openInstance(redis);
    const b = await openInstance(redis);
    a.fetch.mockImplementation(async () => {
      await sleep(100);
      throw new ProfileNotFoundError('crm-usertour', 'usr_1');
    });

    const first = a.cache.get(a.lookup());
    await sleep(20);
    const second = b.cache.get(b.lookup());

    await expect(first).rejects.toBeInstanceOf(ProfileNotFoundError);
    await expect(second).rejects.toBeInstanceOf(ProfileNotFoundError);
    expect(b.fetch).not.toHaveBeenCalled();
  });

  it('should call the upstream itself within the lease time when the holder’s call never ends', async () => {
    const redis: RedisConfig = { url: REDIS_URL, keyPrefix: uniquePrefix(), commandTimeoutMs: 200 };
    const a = await openInstance(redis);
    const b = await openInstance(redis);
    a.fetch.mockReturnValue(new Promise<FetchedProfile>(() => undefined));
    b.fetch.mockResolvedValue(testFetched({ displayName: 'From B' }));

    void a.cache.get(a.lookup({ leaseMs: 300 })).catch(() => undefined);
    await sleep(20);
    const started = Date.now();
    const answer = await b.cache.get(b.lookup({ leaseMs: 300 }));
    const elapsed = Date.now() - started;

    expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
    expect(answer.entry.profile.displayName).toBe('From B');
    expect(b.fetch).toHaveBeenCalledTimes(1);
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(600);
  });

  it('should call the upstream itself once the lease of an instance that died expires', async () => {
    const keyPrefix = uniquePrefix();
    const b = await openInstance({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 200 });
    await raw.set(profileLeaseKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' }), 'gone-instance:1', 'PX', 250);
    b.fetch.mockResolvedValue(testFetched());

    const started = Date.now();
    const answer = await b.cache.get(b.lookup());
    const elapsed = Date.now() - started;

    expect(answer.cacheStatus).toBe('profile-gateway; fwd=miss; stored');
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(400);
  });

  it('should refresh at once for no-cache even while another instance holds the lease', async () => {
    const redis: RedisConfig = { url: REDIS_URL, keyPrefix: uniquePrefix(), commandTimeoutMs: 200 };
    const a = await openInstance(redis);
    const b = await openInstance(redis);
    const holderCall = new Promise<FetchedProfile>((resolve) => setTimeout(() => resolve(testFetched({ displayName: 'Slow' })), 500));
    a.fetch.mockReturnValue(holderCall);
    b.fetch.mockResolvedValue(testFetched({ displayName: 'Now' }));

    const slow = a.cache.get(a.lookup());
    await sleep(20);
    const started = Date.now();
    const refreshed = await b.cache.get(b.lookup({ directive: 'no-cache' }));

    expect(Date.now() - started).toBeLessThan(200);
    expect(refreshed.cacheStatus).toBe('profile-gateway; fwd=request; stored');
    expect(refreshed.entry.profile.displayName).toBe('Now');
    await expect(slow).resolves.toMatchObject({ cacheStatus: 'profile-gateway; fwd=miss; stored' });
  });
});
