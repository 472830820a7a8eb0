import { jest } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';

import { type RedisClusterProcess, startRedisCluster } from '../../test/support/redis-cluster.mjs';
import { type RedisSentinelProcess, startRedisSentinel } from '../../test/support/redis-sentinel.mjs';
import { testFetched } from '../../test/support/test-profiles.js';
import { sleep, waitUntil } from '../../test/support/wait.js';
import type { CachePolicy, RedisConfig } from '../config/config.types.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { profileCacheKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { type CacheDirectives, type CacheLookup, createProfileCache, type ProfileCache } from './index.js';

const POLICY: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };
const opened: ProfileCache[] = [];
let prefixCounter = 0;

function uniquePrefix(): string {
  prefixCounter += 1;
  return `topo-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`;
}

async function openInstance(redis: RedisConfig) {
  const cache = createProfileCache({ redis, memory: { maxItems: 1_000, ttlMs: 60_000 }, logger: { warn: jest.fn(), error: jest.fn() } });
  opened.push(cache);
  await waitUntil(() => cache.status() === 'up', 10_000, 'Redis to connect', 20);
  const fetch = jest.fn<(id: string) => Promise<FetchedProfile>>((id) => Promise.resolve(testFetched({ id })));
  const lookup = (id = 'usr_1', directives: CacheDirectives = {}): CacheLookup => ({
    key: { source: 'crm-usertour', by: 'id', id },
    policy: POLICY,
    directives,
    fetch: () => fetch(id),
  });
  return { cache, fetch, lookup };
}

const IDS = Array.from({ length: 24 }, (_, i) => `usr_${i}`);

afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});

describe('ProfileCache on a Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  let admin: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    admin = new Cluster(cluster.nodes);
  }, 30_000);

  afterAll(async () => {
    admin.disconnect();
    await cluster.stop();
  });

  const configOf = (keyPrefix: string): RedisConfig => ({ cluster: { nodes: cluster.nodes }, keyPrefix, commandTimeoutMs: 200 });

  it('should make one upstream call for 100 concurrent cold requests split over two instances', async () => {
    const config = configOf(uniquePrefix());
    const a = await openInstance(config);
    const b = await openInstance(config);
    const slow = async (id: string): Promise<FetchedProfile> => {
      await sleep(100);
      return testFetched({ id });
    };
    a.fetch.mockImplementation(slow);
    b.fetch.mockImplementation(slow);

    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? a : b).cache.get((i % 2 === 0 ? a : b).lookup())));

    expect(a.fetch.mock.calls.length + b.fetch.mock.calls.length).toBe(1);
    expect(answers.filter((answer) => cacheStatusOf(answer.outcome).endsWith('; collapsed'))).toHaveLength(99);
  });

  it('should share entries whose keys live on every node', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openInstance(configOf(keyPrefix));
    const b = await openInstance(configOf(keyPrefix));

    for (const id of IDS) await a.cache.get(a.lookup(id));
    await a.cache.whenIdle();
    const answers = await Promise.all(IDS.map((id) => b.cache.get(b.lookup(id))));

    expect(b.fetch).not.toHaveBeenCalled();
    expect(answers.every((answer) => cacheStatusOf(answer.outcome).startsWith('profile-gateway; hit;'))).toBe(true);
    const slots = await Promise.all(IDS.map((id) => admin.cluster('KEYSLOT', profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id }))));
    const owners = new Set(slots.map((slot) => Math.floor((slot) / 5_462)));
    expect(owners.size).toBe(3);
  });

  it('should drop the other instance’s memory copy within 1 s of a no-cache refresh', async () => {
    const config = configOf(uniquePrefix());
    const a = await openInstance(config);
    const b = await openInstance(config);
    a.fetch.mockResolvedValue(testFetched({ displayName: 'Before' }));
    await a.cache.get(a.lookup());
    await a.cache.whenIdle();
    await b.cache.get(b.lookup());

    a.fetch.mockResolvedValue(testFetched({ displayName: 'After' }));
    await a.cache.get(a.lookup('usr_1', { noCache: true }));
    const refreshedAt = Date.now();
    await waitUntil(async () => profileOf((await b.cache.get(b.lookup())).entry).displayName === 'After', 1_000, 'the invalidation');

    expect(Date.now() - refreshedAt).toBeLessThan(1_000);
    expect(b.fetch).not.toHaveBeenCalled();
  });

  it('should answer every request while one node is down, report degraded, and store again once it rejoins', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openInstance(configOf(keyPrefix));
    for (const id of IDS) await a.cache.get(a.lookup(id));
    await a.cache.whenIdle();

    await cluster.stopNode(1);
    try {
      const started = Date.now();
      const answers = await Promise.all([...IDS, 'new_1', 'new_2'].map((id) => a.cache.get(a.lookup(id))));
      const elapsed = Date.now() - started;

      expect(answers).toHaveLength(IDS.length + 2);
      expect(elapsed).toBeLessThan(1_000);
      expect(a.fetch).toHaveBeenCalledTimes(IDS.length + 2);
      await waitUntil(async () => {
        await a.cache.get(a.lookup(`down_${Date.now()}`));
        return a.cache.status() === 'degraded';
      }, 3_000, 'the cache to report degraded');
    } finally {
      await cluster.startNode(1);
    }
    await cluster.waitForState('ok');

    const key = profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'after_restart' });
    await waitUntil(
      async () => {
        await a.cache.get(a.lookup('after_restart', { noCache: true }));
        await a.cache.whenIdle();
        return (await admin.exists(key)) === 1;
      },
      10_000,
      'writes to resume',
      20,
    );
    await waitUntil(() => a.cache.status() === 'up', 11_000, 'the cache to report up', 20);
  }, 40_000);
});

describe('ProfileCache behind Redis Sentinel', () => {
  let sentinel: RedisSentinelProcess;

  beforeAll(async () => {
    sentinel = await startRedisSentinel({ replica: true, downAfterMs: 500 });
  }, 30_000);

  afterAll(async () => {
    await sentinel.stop();
  });

  const configOf = (keyPrefix: string): RedisConfig => ({ sentinel: { name: sentinel.name, nodes: sentinel.nodes }, keyPrefix, commandTimeoutMs: 200 });

  it('should share entries and make one upstream call for concurrent requests on two instances', async () => {
    const config = configOf(uniquePrefix());
    const a = await openInstance(config);
    const b = await openInstance(config);
    const slow = async (id: string): Promise<FetchedProfile> => {
      await sleep(100);
      return testFetched({ id });
    };
    a.fetch.mockImplementation(slow);
    b.fetch.mockImplementation(slow);

    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).cache.get((i % 2 === 0 ? a : b).lookup())));

    expect(a.fetch.mock.calls.length + b.fetch.mock.calls.length).toBe(1);
    expect(answers.filter((answer) => cacheStatusOf(answer.outcome).endsWith('; collapsed'))).toHaveLength(39);
  });

  it('should follow a failover to the promoted replica', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openInstance(configOf(keyPrefix));
    const replica = sentinel.replica!;

    await sentinel.master.stop();
    await sentinel.waitForMaster(replica.port, 20_000);
    const answer = await a.cache.get(a.lookup('during_failover'));
    expect(cacheStatusOf(answer.outcome)).toBe('profile-gateway; fwd=miss; stored');

    const promoted = new Redis(replica.url);
    try {
      const key = profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'after_failover' });
      await waitUntil(
        async () => {
          await a.cache.get(a.lookup('after_failover', { noCache: true }));
          await a.cache.whenIdle();
          return (await promoted.exists(key)) === 1;
        },
        10_000,
        'writes to reach the promoted replica',
        20,
      );
      await waitUntil(() => a.cache.status() === 'up', 5_000, 'the cache to report up', 20);
    } finally {
      await promoted.quit();
    }
  }, 40_000);
});
