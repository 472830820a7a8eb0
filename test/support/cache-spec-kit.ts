import { jest } from '@jest/globals';

import { cacheStatusOf } from '../../src/cache/cache-outcome.js';
import {
  type CacheAnswer,
  type CacheDirectives,
  CachedNotFoundError,
  type CacheLookup,
  type CacheObserver,
  type CacheTracer,
  type FetchBudget,
  ProfileCache,
} from '../../src/cache/index.js';
import type { CachePolicy } from '../../src/config/config.types.js';
import type { FetchedProfile } from '../../src/profiles/profile-source.port.js';
import { ManualClock } from './manual-clock.js';
import { InMemoryRedis } from './test-shared-tier.js';

/** ttl 10 s, stale-while-revalidate until 15 s, stale-if-error until 70 s; a 404 is fresh for 3 s. */
export const policy: CachePolicy = { ttlMs: 10_000, staleWhileRevalidateMs: 5_000, staleIfErrorMs: 60_000, notFoundTtlMs: 3_000 };
export const T0 = 1_700_000_000_000;

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}

/** The `Cache-Status` value of an answer. */
export const status = (answer: CacheAnswer): string => cacheStatusOf(answer.outcome);

/** The 404 a lookup rejected with, as a `CachedNotFoundError`. */
export async function notFoundOf(pending: Promise<unknown>): Promise<CachedNotFoundError> {
  const error = await pending.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof CachedNotFoundError)) throw new Error(`expected a CachedNotFoundError, got ${String(error)}`);
  return error;
}

/** One memory-only cache on a manual clock, with a fetch spy and a lookup builder. */
export function memoryCache(options: { maxItems?: number; budgetMs?: number } = {}) {
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

/** A fleet of instances on one in-memory Redis, all on one manual clock. */
export function sharedFleet() {
  const clock = new ManualClock();
  const redis = new InMemoryRedis(() => clock.now());
  const caches: ProfileCache[] = [];
  const instance = (name: string, cachePolicy: CachePolicy = FLEET_POLICY, tracer?: CacheTracer) => {
    const cache = new ProfileCache({
      ...(tracer ? { tracer } : {}),
      redis: { url: 'redis://unused', keyPrefix: 'pgw', commandTimeoutMs: 100 },
      memory: { maxItems: 100, ttlMs: 30_000 },
      logger: { warn: jest.fn(), error: jest.fn() },
      clock,
    });
    cache.attachRedis(redis.connect(name, (message) => cache.onInvalidation(message)));
    caches.push(cache);
    const fetch = jest.fn<(budget: FetchBudget) => Promise<FetchedProfile>>();
    const lookup = (directives: CacheDirectives = {}): CacheLookup => ({ key: { ...FLEET_KEY }, policy: cachePolicy, directives, fetch, budgetMs: FLEET_BUDGET_MS });
    return { cache, fetch, lookup };
  };
  const close = (): Promise<unknown> => Promise.all(caches.splice(0).map((cache) => cache.close()));
  return { clock, redis, instance, close };
}

/** ttl 60 s, stale-while-revalidate until 70 s, stale-if-error until 180 s. */
export const FLEET_POLICY: CachePolicy = { ttlMs: 60_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 120_000, notFoundTtlMs: 30_000 };
export const FLEET_KEY = { source: 'crm-usertour', by: 'id', id: 'usr_1' } as const;
export const FLEET_BUDGET_MS = 2_000;

/** A call that never answers. */
export const never = (): Promise<FetchedProfile> => new Promise<FetchedProfile>(() => undefined);

/** For a spec file: `fleet()` builds a `sharedFleet` whose caches are closed after the test. */
export function useSharedFleet(): () => ReturnType<typeof sharedFleet> {
  let close: () => Promise<unknown> = () => Promise.resolve();
  afterEach(async () => {
    await close();
    close = () => Promise.resolve();
  });
  return () => {
    const f = sharedFleet();
    close = f.close;
    return f;
  };
}
