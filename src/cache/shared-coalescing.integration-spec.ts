import { jest } from '@jest/globals';
import { Redis } from 'ioredis';

import { testFetched } from '../../test/support/test-profiles.js';
import { sleep, waitUntil } from '../../test/support/wait.js';
import type { CachePolicy, RedisConfig } from '../config/config.types.js';
import { ProfileNotFoundError, UpstreamTimeoutError } from '../profiles/profile.errors.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { profileLeaseKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { LEASE_TTL_MS } from './fleet-lease.js';
import { type CacheDirectives, type CacheLookup, createProfileCache, type FetchBudget, type ProfileCache } from './index.js';

const REDIS_URL = process.env.REDIS_URL as string;
const POLICY: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };

let prefixCounter = 0;
const opened: ProfileCache[] = [];
let raw: Redis;

function uniquePrefix(): string {
  prefixCounter += 1;
  return `lease-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`;
}

/** One gateway instance's cache on the test Redis. */
async function openInstance(redis: RedisConfig) {
  const cache = createProfileCache({ redis, memory: { maxItems: 1_000, ttlMs: 60_000 }, logger: { warn: jest.fn(), error: jest.fn() } });
  opened.push(cache);
  await waitUntil(() => cache.status() === 'up', 5_000, 'Redis to connect');
  const fetch = jest.fn<(budget: FetchBudget) => Promise<FetchedProfile>>();
  const lookup = (options: { directives?: CacheDirectives; budgetMs?: number; id?: string } = {}): CacheLookup => ({
    key: { source: 'crm-usertour', by: 'id', id: options.id ?? 'usr_1' },
    policy: POLICY,
    directives: options.directives ?? {},
    fetch,
    ...(options.budgetMs === undefined ? {} : { budgetMs: options.budgetMs }),
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
    const statuses = answers.map((answer) => cacheStatusOf(answer.outcome));
    expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored')).toHaveLength(1);
    expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored; collapsed')).toHaveLength(99);
    expect(new Set(answers.map((answer) => answer.entry.etag)).size).toBe(1);
  });

  it('should keep its short lease alive for a call longer than the lease and release it once the entry is stored', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openInstance({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 200 });
    const leaseKey = profileLeaseKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' });
    const pttls: number[] = [];
    a.fetch.mockImplementation(async () => {
      for (let i = 0; i < 4; i += 1) {
        pttls.push(await raw.pttl(leaseKey));
        await sleep(LEASE_TTL_MS / 2);
      }
      pttls.push(await raw.pttl(leaseKey));
      return testFetched();
    });

    await a.cache.get(a.lookup());
    await a.cache.whenIdle();

    expect(pttls).toHaveLength(5);
    for (const pttl of pttls) {
      expect(pttl).toBeGreaterThan(0);
      expect(pttl).toBeLessThanOrEqual(LEASE_TTL_MS);
    }
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

  it('should answer UPSTREAM_TIMEOUT within its budget, without a call of its own, while a live holder’s call never ends', async () => {
    const redis: RedisConfig = { url: REDIS_URL, keyPrefix: uniquePrefix(), commandTimeoutMs: 200 };
    const a = await openInstance(redis);
    const b = await openInstance(redis);
    let endHolderCall: (error: Error) => void = () => undefined;
    a.fetch.mockReturnValue(new Promise<FetchedProfile>((_resolve, reject) => (endHolderCall = reject)));
    b.fetch.mockResolvedValue(testFetched({ displayName: 'From B' }));

    const holder = a.cache.get(a.lookup({ budgetMs: 60_000 })).catch((reason: unknown) => reason);
    await sleep(20);
    const started = Date.now();
    const error = await b.cache.get(b.lookup({ budgetMs: 800 })).catch((reason: unknown) => reason);
    const elapsed = Date.now() - started;

    expect(error).toBeInstanceOf(UpstreamTimeoutError);
    expect(b.fetch).not.toHaveBeenCalled();
    expect(elapsed).toBeGreaterThanOrEqual(790);
    expect(elapsed).toBeLessThan(800 + 100);
    endHolderCall(new UpstreamTimeoutError('crm-usertour', 60_000));
    expect(await holder).toBeInstanceOf(UpstreamTimeoutError);
  });

  it('should call the upstream itself once the lease of an instance that died expires', async () => {
    const keyPrefix = uniquePrefix();
    const b = await openInstance({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 200 });
    await raw.set(profileLeaseKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' }), 'gone-instance:1', 'PX', 250);
    b.fetch.mockResolvedValue(testFetched());

    const started = Date.now();
    const answer = await b.cache.get(b.lookup());
    const elapsed = Date.now() - started;

    expect(cacheStatusOf(answer.outcome)).toBe('profile-gateway; fwd=miss; stored');
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
    const refreshed = await b.cache.get(b.lookup({ directives: { noCache: true } }));

    expect(Date.now() - started).toBeLessThan(200);
    expect(cacheStatusOf(refreshed.outcome)).toBe('profile-gateway; fwd=request; stored');
    expect(profileOf(refreshed.entry).displayName).toBe('Now');
    expect(cacheStatusOf((await slow).outcome)).toBe('profile-gateway; fwd=miss; stored');
  });
});
