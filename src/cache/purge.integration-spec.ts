import { jest } from '@jest/globals';
import { Cluster, Redis } from 'ioredis';

import { type RedisClusterProcess, startRedisCluster } from '../../test/support/redis-cluster.mjs';
import { testFetched } from '../../test/support/test-profiles.js';
import { sleep, waitUntil } from '../../test/support/wait.js';
import type { CachePolicy, RedisConfig } from '../config/config.types.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileOf } from './cache-entry.js';
import { isTombstone } from './cache-entry.js';
import { profileCacheKey, sourceGenerationKey } from './cache-keys.js';
import { cacheStatusOf } from './cache-outcome.js';
import { type CacheLookup, createProfileCache, type ProfileCache } from './index.js';

const REDIS_URL = process.env.REDIS_URL as string;
const POLICY: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 0, staleIfErrorMs: 0, notFoundTtlMs: 30_000 };
const TOMBSTONE_TTL_MS = 5_000;
const opened: ProfileCache[] = [];
let prefixCounter = 0;

function uniquePrefix(): string {
  prefixCounter += 1;
  return `purge-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`;
}

/** One gateway instance's cache; its upstream answers `givenName: <version>` of the id after `delayMs`. */
async function openInstance(redis: RedisConfig, upstream: { version: string; delayMs: number }) {
  const cache = createProfileCache({ redis, memory: { maxItems: 1_000, ttlMs: 60_000 }, logger: { warn: jest.fn(), error: jest.fn() } });
  opened.push(cache);
  await waitUntil(() => cache.status() === 'up', 10_000, 'Redis to connect');
  const fetch = jest.fn<(id: string) => Promise<FetchedProfile>>(async (id) => {
    const version = upstream.version;
    await sleep(upstream.delayMs);
    return testFetched({ id, givenName: version });
  });
  const lookup = (id = 'usr_1', source = 'crm-usertour'): CacheLookup => ({ key: { source, by: 'id', id }, policy: POLICY, directives: {}, fetch: () => fetch(id) });
  const get = async (id = 'usr_1', source = 'crm-usertour') => {
    const answer = await cache.get(lookup(id, source));
    return { status: cacheStatusOf(answer.outcome), givenName: profileOf(answer.entry).givenName };
  };
  return { cache, fetch, get };
}

afterEach(async () => {
  await Promise.all(opened.splice(0).map((cache) => cache.close()));
});

describe('purge across two instances on one Redis', () => {
  let raw: Redis;
  const upstream = { version: 'v1', delayMs: 0 };

  beforeAll(() => {
    raw = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await raw.quit();
  });

  beforeEach(() => {
    upstream.version = 'v1';
    upstream.delayMs = 0;
  });

  const config = (keyPrefix: string): RedisConfig => ({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 500 });

  it('should drop an entry purged on A from the memory tier of B within 1 s, and leave a tombstone in Redis', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openInstance(config(keyPrefix), upstream);
    const b = await openInstance(config(keyPrefix), upstream);
    await a.get();
    await a.cache.whenIdle();
    expect((await b.get()).status).toMatch(/^profile-gateway; hit/);
    upstream.version = 'v2';

    const startedAt = Date.now();
    expect(await a.cache.purge({ source: 'crm-usertour', by: 'id', id: 'usr_1' }, TOMBSTONE_TTL_MS)).toBe('shared');
    const text = await raw.get(profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' }));
    expect(text !== null && isTombstone(text)).toBe(true);
    // B's memory copy is gone once the announcement arrived: its next read is a miss that fetches v2.
    await waitUntil(async () => (await b.get()).givenName === 'v2', 1_000, 'B to see the purge');
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(b.fetch).toHaveBeenCalledTimes(1);
  });

  it('should make B use the new generation of a source purged on A at its next read, also when the announcement is lost', async () => {
    const keyPrefix = uniquePrefix();
    const a = await openInstance(config(keyPrefix), upstream);
    const b = await openInstance(config(keyPrefix), upstream);
    await b.get('usr_1');
    await b.get('usr_2');
    await b.cache.whenIdle();
    upstream.version = 'v2';

    expect(await a.cache.purgeSource('crm-usertour')).toBe('shared');
    expect(await raw.get(sourceGenerationKey(keyPrefix, 'crm-usertour'))).toBe('1');
    await sleep(50);
    expect(await b.get('usr_1')).toEqual({ status: 'profile-gateway; fwd=miss; stored', givenName: 'v2' });

    // A purge whose announcement never reaches B (the generation raised in Redis directly): B reads it again within 1 s.
    await b.get('usr_2');
    upstream.version = 'v3';
    await raw.incr(sourceGenerationKey(keyPrefix, 'crm-usertour'));
    await sleep(1_050);
    expect(await b.get('usr_2')).toEqual({ status: 'profile-gateway; fwd=miss; stored', givenName: 'v3' });
  });

  it('should not let a fetch in flight on A during a purge on B bring the old data back as a hit on either instance', async () => {
    const keyPrefix = uniquePrefix();
    const slowUpstream = { version: 'old', delayMs: 400 };
    const a = await openInstance(config(keyPrefix), slowUpstream);
    const b = await openInstance(config(keyPrefix), upstream);
    upstream.version = 'new';

    const inFlight = a.get();
    await sleep(150);
    expect(await b.cache.purge({ source: 'crm-usertour', by: 'id', id: 'usr_1' }, TOMBSTONE_TTL_MS)).toBe('shared');
    const waited = await inFlight;
    await a.cache.whenIdle();
    slowUpstream.version = 'new';
    slowUpstream.delayMs = 0;

    // The request that was waiting gets the call's answer, as a miss that was not stored.
    expect(waited).toEqual({ status: 'profile-gateway; fwd=miss', givenName: 'old' });
    const text = await raw.get(profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' }));
    expect(text !== null && isTombstone(text)).toBe(true);
    expect((await b.get()).givenName).toBe('new');
    expect((await a.get()).givenName).toBe('new');
  });

  it('should refuse the write of a fetch that started before the purge even when the announcement is lost', async () => {
    const keyPrefix = uniquePrefix();
    const slowUpstream = { version: 'old', delayMs: 400 };
    const a = await openInstance(config(keyPrefix), slowUpstream);
    const key = profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id: 'usr_1' });

    const inFlight = a.get();
    await sleep(150);
    // Another instance's purge, as it lands in Redis, without its announcement.
    await raw.set(key, `{"kind":"purged","purgedAtMs":${Date.now()}}`, 'PX', TOMBSTONE_TTL_MS);
    await inFlight;
    await a.cache.whenIdle();
    slowUpstream.delayMs = 0;
    slowUpstream.version = 'new';

    expect(isTombstone((await raw.get(key)) ?? '')).toBe(true);
    expect(await a.get()).toEqual({ status: 'profile-gateway; fwd=miss; stored', givenName: 'new' });
  });

  it('should purge the memory tier alone without Redis, and stop the call in flight from storing', async () => {
    const cache = createProfileCache({ memory: { maxItems: 100, ttlMs: 60_000 }, logger: { warn: jest.fn(), error: jest.fn() } });
    opened.push(cache);
    let version = 'old';
    const lookup: CacheLookup = { key: { source: 's', by: 'id', id: '1' }, policy: POLICY, directives: {}, fetch: () => sleep(100).then(() => testFetched({ givenName: version })) };

    const inFlight = cache.get(lookup);
    await sleep(30);
    expect(await cache.purge(lookup.key, TOMBSTONE_TTL_MS)).toBe('memory-only');
    version = 'new';
    expect(cacheStatusOf((await inFlight).outcome)).toBe('profile-gateway; fwd=miss');
    expect(profileOf((await cache.get(lookup)).entry).givenName).toBe('new');
    expect(await cache.purgeSource('s')).toBe('memory-only');
    expect(cacheStatusOf((await cache.get(lookup)).outcome)).toBe('profile-gateway; fwd=miss; stored');
  });
});

describe('purge on a Redis Cluster', () => {
  let cluster: RedisClusterProcess;
  let admin: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    admin = new Cluster(cluster.nodes);
  }, 60_000);

  afterAll(async () => {
    await admin.quit();
    await cluster.stop();
  });

  it('should purge entries and a whole source with single-slot commands across the masters', async () => {
    const keyPrefix = uniquePrefix();
    const redis: RedisConfig = { cluster: { nodes: cluster.nodes }, keyPrefix, commandTimeoutMs: 1_000 };
    const upstream = { version: 'v1', delayMs: 0 };
    const a = await openInstance(redis, upstream);
    const b = await openInstance(redis, upstream);
    const ids = Array.from({ length: 12 }, (_, i) => `usr_${i}`);
    for (const id of ids) await a.get(id);
    await a.cache.whenIdle();
    const slots = new Set(await Promise.all(ids.map((id) => admin.cluster('KEYSLOT', profileCacheKey(keyPrefix, { source: 'crm-usertour', by: 'id', id })))));
    expect(slots.size).toBeGreaterThan(1);
    upstream.version = 'v2';

    expect(await b.cache.purge({ source: 'crm-usertour', by: 'id', id: 'usr_0' }, TOMBSTONE_TTL_MS)).toBe('shared');
    await waitUntil(async () => (await a.get('usr_0')).givenName === 'v2', 1_000, 'A to see the entry purge');
    expect((await a.get('usr_1')).givenName).toBe('v1');

    expect(await b.cache.purgeSource('crm-usertour')).toBe('shared');
    await waitUntil(async () => (await a.get('usr_5')).givenName === 'v2', 1_000, 'A to see the source purge');
    expect((await b.get('usr_7')).givenName).toBe('v2');
  });
});
