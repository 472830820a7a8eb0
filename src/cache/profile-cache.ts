import { randomUUID } from 'node:crypto';

import { LRUCache } from 'lru-cache';

import type { CachePolicy, RedisConfig } from '../config/config.types.js';
import { NotCachedError, ProfileNotFoundError, UpstreamError } from '../profiles/profile.errors.js';
import type { FetchedProfile, LookupBy } from '../profiles/profile-source.port.js';
import { type CachedProfile, decodeEntry, encodeEntry, type StoredEntry, type StoredProfile } from './cache-entry.js';
import { invalidationChannel, profileCacheKey } from './cache-keys.js';
import { cacheStatus } from './cache-status.js';
import { profileEtag } from './etag.js';
import {
  ageSeconds,
  freshnessLeftSeconds,
  notFoundIsFresh,
  profileFreshness,
  profileLifetimeMs,
  redisTtlMs,
  stalenessSeconds,
  withinStaleIfError,
} from './freshness.js';
import { createRedisClient, planRedisClient } from './redis-connection.js';
import { type InvalidationMessage, type RedisOperation, RedisTier } from './redis-tier.js';

export type { CachedProfile } from './cache-entry.js';
export type { RedisOperation } from './redis-tier.js';

/** The request's `Cache-Control` as far as the cache is concerned. */
export type CacheDirective = 'default' | 'no-cache' | 'only-if-cached';

export interface ProfileCacheKey {
  source: string;
  by: LookupBy;
  id: string;
}

export interface CacheAnswer {
  entry: CachedProfile;
  /** The full `Cache-Status` header value, e.g. `profile-gateway; hit; ttl=42`. */
  cacheStatus: string;
  /** `Age`: whole seconds since `entry.fetchedAtMs`. */
  ageSeconds: number;
  /** `Cache-Control: max-age`: whole seconds of freshness left (0 when stale). */
  maxAgeSeconds: number;
}

export interface CacheLookup {
  key: ProfileCacheKey;
  policy: CachePolicy;
  directive: CacheDirective;
  /**
   * Calls the upstream. Rejects with `ProfileNotFoundError` or `UpstreamError` subclasses (or anything else,
   * which is passed through). It may serve other requests for the same key (coalescing) and background
   * refreshes that outlive the request, so it must not be cancelled when this request's caller goes away.
   */
  fetch: () => Promise<FetchedProfile>;
}

/** What the cache did for one request, for metrics. */
export type CacheOutcome = 'hit' | 'miss' | 'refresh' | 'stale-while-revalidate' | 'stale-if-error' | 'not-cached' | 'negative-hit';

export interface CacheObserver {
  /** One call per answered `get` (including those that end in an error); `collapsed` when it waited on another request's call. */
  onOutcome(source: string, outcome: CacheOutcome, collapsed: boolean): void;
  /** A Redis command failed, timed out, or was skipped because Redis is not connected. */
  onRedisError(op: RedisOperation): void;
}

export interface CacheLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface ProfileCacheOptions {
  /** Absent: the memory tier serves alone (`status()` is `memory-only`). */
  redis?: RedisConfig;
  /**
   * The in-process tier: at most `maxItems` entries (least recently used go first). With Redis, a copy stays
   * at most `ttlMs` (and at most the source's `ttl`) before it is read from Redis again; alone, it stays as
   * long as it is of use.
   */
  memory: { maxItems: number; ttlMs: number };
  observer?: CacheObserver;
  logger?: CacheLogger;
  /** Clock (epoch ms). Defaults to `Date.now`. */
  now?: () => number;
}

export type CacheHealth = 'up' | 'degraded' | 'memory-only';

interface MemoryItem {
  entry: StoredEntry;
  expiresAtMs: number;
}

/** The outcome of one upstream call, shared by every request that waits on it. */
interface FlightResult {
  entry: StoredEntry;
  notFound?: ProfileNotFoundError;
}

interface Flight {
  promise: Promise<FlightResult>;
  /** A newer call for the same key started (a `no-cache` request): this one's result is not stored. */
  superseded: boolean;
}

/**
 * Two-tier profile cache (contract sections 1, 4 and 5): a bounded memory tier in front of a shared Redis,
 * fresh / stale-while-revalidate / stale-if-error windows, cached 404s, one upstream call per key at a time in
 * this process, and invalidation of other instances' memory copies over Redis pub/sub.
 *
 * Redis never makes a request fail: reads fall back to the memory tier and the upstream, writes are skipped
 * while it is down, and every command is bounded in time.
 */
export class ProfileCache {
  private readonly memory: LRUCache<string, MemoryItem>;
  private readonly inFlight = new Map<string, Flight>();
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly now: () => number;
  private readonly keyPrefix: string;
  private redis: RedisTier | undefined;
  private closed = false;

  constructor(private readonly options: ProfileCacheOptions) {
    this.now = options.now ?? Date.now;
    this.keyPrefix = options.redis?.keyPrefix ?? 'pgw';
    this.memory = new LRUCache<string, MemoryItem>({ max: Math.max(1, options.memory.maxItems) });
  }

  /** Connects the shared tier (done by `createProfileCache`). */
  attachRedis(redis: RedisTier): void {
    this.redis = redis;
  }

  /** The Redis key of a lookup (also the memory tier's key). */
  keyOf(key: ProfileCacheKey): string {
    return profileCacheKey(this.keyPrefix, key);
  }

  /**
   * Answers one lookup.
   * @throws ProfileNotFoundError fresh from the upstream, or a cached 404
   * @throws NotCachedError for `only-if-cached` with nothing usable cached
   * @throws the upstream's error when no stale copy applies
   */
  async get(lookup: CacheLookup): Promise<CacheAnswer> {
    const key = this.keyOf(lookup.key);
    switch (lookup.directive) {
      case 'only-if-cached':
        return this.onlyIfCached(key, lookup);
      case 'no-cache':
        return this.forward(key, lookup, this.startFlight(key, lookup), false, 'refresh', undefined);
      case 'default':
        return this.cacheFirst(key, lookup);
    }
  }

  /** For readiness: `up` with Redis connected, `degraded` while it is not, `memory-only` without Redis. */
  status(): CacheHealth {
    if (!this.redis) return 'memory-only';
    return this.redis.isReady() ? 'up' : 'degraded';
  }

  /** Resolves once the Redis writes started so far have finished (or failed: they never reject). */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.pendingWrites]);
  }

  /**
   * Finishes the pending Redis writes, then closes the connections. Background refreshes still running are
   * not stored any more.
   */
  async close(): Promise<void> {
    this.closed = true;
    await this.whenIdle();
    await this.redis?.close();
  }

  /** Drops this instance's memory copy when another instance stored a newer entry. */
  onInvalidation(message: InvalidationMessage): void {
    const item = this.memory.peek(message.key);
    if (item && item.entry.fetchedAtMs < message.fetchedAtMs) this.memory.delete(message.key);
  }

  private async cacheFirst(key: string, lookup: CacheLookup): Promise<CacheAnswer> {
    let entry = await this.read(key, lookup.policy);
    // An entry stored by this process while Redis was being read (the call finished in between).
    if (!entry && !this.inFlight.has(key)) entry = this.fromMemory(key);
    const now = this.now();

    if (entry?.kind === 'not-found' && notFoundIsFresh(entry.fetchedAtMs, lookup.policy, now)) {
      this.observe(lookup, 'negative-hit', false);
      throw new ProfileNotFoundError(lookup.key.source, lookup.key.id);
    }
    let stale: StoredProfile | undefined;
    if (entry?.kind === 'profile') {
      const freshness = profileFreshness(entry.fetchedAtMs, lookup.policy, now);
      if (freshness === 'fresh') {
        this.observe(lookup, 'hit', false);
        return this.answer(entry, lookup.policy, now, (left) => cacheStatus.hit(left));
      }
      if (freshness === 'stale-while-revalidate') {
        this.refreshInBackground(key, lookup);
        this.observe(lookup, 'stale-while-revalidate', false);
        return this.answer(entry, lookup.policy, now, () => cacheStatus.staleWhileRevalidate());
      }
      if (freshness === 'stale-if-error') stale = entry;
    }

    const joined = this.inFlight.get(key);
    const flight = joined ?? this.startFlight(key, lookup);
    return this.forward(key, lookup, flight, joined !== undefined, 'miss', stale);
  }

  private async onlyIfCached(key: string, lookup: CacheLookup): Promise<CacheAnswer> {
    const entry = await this.read(key, lookup.policy);
    const now = this.now();
    if (entry?.kind === 'not-found' && notFoundIsFresh(entry.fetchedAtMs, lookup.policy, now)) {
      this.observe(lookup, 'negative-hit', false);
      throw new ProfileNotFoundError(lookup.key.source, lookup.key.id);
    }
    if (entry?.kind === 'profile') {
      const freshness = profileFreshness(entry.fetchedAtMs, lookup.policy, now);
      if (freshness === 'fresh') {
        this.observe(lookup, 'hit', false);
        return this.answer(entry, lookup.policy, now, (left) => cacheStatus.hit(left));
      }
      if (freshness === 'stale-while-revalidate') {
        // Usable, but nothing is forwarded: RFC 9211 marks a stale hit with a negative ttl.
        this.observe(lookup, 'hit', false);
        const stale = stalenessSeconds(entry.fetchedAtMs, lookup.policy, now);
        return this.answer(entry, lookup.policy, now, () => cacheStatus.hit(-stale));
      }
    }
    this.observe(lookup, 'not-cached', false);
    throw new NotCachedError(lookup.key.source, lookup.key.id);
  }

  /** Waits on an upstream call and answers from its result, or from `stale` when it failed and that applies. */
  private async forward(
    key: string,
    lookup: CacheLookup,
    flight: Flight,
    collapsed: boolean,
    outcome: 'miss' | 'refresh',
    stale: StoredProfile | undefined,
  ): Promise<CacheAnswer> {
    let result: FlightResult;
    try {
      result = await flight.promise;
    } catch (error) {
      const now = this.now();
      if (stale && error instanceof UpstreamError && error.staleIfErrorApplies && withinStaleIfError(stale.fetchedAtMs, lookup.policy, now)) {
        this.observe(lookup, 'stale-if-error', collapsed);
        return this.answer(stale, lookup.policy, now, () => cacheStatus.staleIfError(error.upstreamStatus, collapsed));
      }
      this.observe(lookup, outcome, collapsed);
      throw error;
    }
    this.observe(lookup, outcome, collapsed);
    if (result.entry.kind === 'not-found') throw result.notFound ?? new ProfileNotFoundError(lookup.key.source, lookup.key.id);
    const status = outcome === 'miss' ? cacheStatus.miss(collapsed) : cacheStatus.request(collapsed);
    return this.answer(result.entry, lookup.policy, this.now(), () => status);
  }

  /**
   * Starts one upstream call for the key; an older call still running for it is superseded (its result is not
   * stored). A `no-cache` request always starts its own call: one that started before it arrived may hold data
   * from before a change the caller wants to see.
   */
  private startFlight(key: string, lookup: CacheLookup): Flight {
    const previous = this.inFlight.get(key);
    if (previous) previous.superseded = true;
    const control = { superseded: false };
    const promise = this.callUpstream(key, lookup, control).finally(() => {
      if (this.inFlight.get(key) === control) this.inFlight.delete(key);
    });
    // Waiters see the rejection; this only keeps a call nobody waits on from being an unhandled rejection.
    promise.catch(() => undefined);
    const flight: Flight = Object.assign(control, { promise });
    this.inFlight.set(key, flight);
    return flight;
  }

  private async callUpstream(key: string, lookup: CacheLookup, flight: { superseded: boolean }): Promise<FlightResult> {
    let result: FlightResult;
    try {
      const fetched = await lookup.fetch();
      const entry: StoredProfile = {
        kind: 'profile',
        profile: fetched.profile,
        raw: fetched.raw,
        fetchedAtMs: this.now(),
        etag: profileEtag(fetched.profile),
      };
      result = { entry };
    } catch (error) {
      if (!(error instanceof ProfileNotFoundError)) throw error;
      result = { entry: { kind: 'not-found', fetchedAtMs: this.now() }, notFound: error };
    }
    if (!flight.superseded && !this.closed) this.store(key, result.entry, lookup.policy);
    return result;
  }

  /** Stale-while-revalidate: one refresh per key; its failures are logged, never thrown. */
  private refreshInBackground(key: string, lookup: CacheLookup): void {
    if (this.inFlight.has(key)) return;
    this.startFlight(key, lookup).promise.catch((error: unknown) => {
      this.options.logger?.warn({ err: error, source: lookup.key.source, id: lookup.key.id }, 'Background refresh of a cached profile failed');
    });
  }

  /** The entry for a key: memory tier first, then Redis (copied into memory). Never throws. */
  private async read(key: string, policy: CachePolicy): Promise<StoredEntry | undefined> {
    const inMemory = this.fromMemory(key);
    if (inMemory || !this.redis) return inMemory;
    const text = await this.redis.get(key);
    if (text === undefined) return undefined;
    const entry = decodeEntry(text);
    if (!entry) {
      this.options.logger?.warn({ key }, 'Ignoring an unreadable cache entry');
      return undefined;
    }
    if (this.usefulUntil(entry, policy) <= this.now()) return undefined;
    this.remember(key, entry, policy);
    return entry;
  }

  private fromMemory(key: string): StoredEntry | undefined {
    const item = this.memory.get(key);
    if (!item) return undefined;
    if (item.expiresAtMs > this.now()) return item.entry;
    this.memory.delete(key);
    return undefined;
  }

  /**
   * Keeps the entry in memory at once and writes it to Redis in the background: the answer never waits on
   * Redis, and requests of this process find the entry in memory meanwhile.
   */
  private store(key: string, entry: StoredEntry, policy: CachePolicy): void {
    this.remember(key, entry, policy);
    if (!this.redis) return;
    const write = this.redis.store(key, encodeEntry(entry), redisTtlMs(entry, policy), entry.fetchedAtMs).then(() => undefined);
    this.pendingWrites.add(write);
    void write.finally(() => this.pendingWrites.delete(write));
  }

  /** Keeps a copy in memory unless a newer one is there already. */
  private remember(key: string, entry: StoredEntry, policy: CachePolicy): void {
    const current = this.memory.peek(key);
    if (current && current.entry.fetchedAtMs > entry.fetchedAtMs) return;
    const now = this.now();
    let expiresAtMs = this.usefulUntil(entry, policy);
    if (this.redis) expiresAtMs = Math.min(expiresAtMs, now + Math.min(this.options.memory.ttlMs, policy.ttlMs));
    if (expiresAtMs <= now) {
      this.memory.delete(key);
      return;
    }
    this.memory.set(key, { entry, expiresAtMs });
  }

  private usefulUntil(entry: StoredEntry, policy: CachePolicy): number {
    return entry.fetchedAtMs + (entry.kind === 'profile' ? profileLifetimeMs(policy) : policy.notFoundTtlMs);
  }

  private answer(entry: StoredProfile, policy: CachePolicy, now: number, status: (freshnessLeft: number) => string): CacheAnswer {
    const maxAgeSeconds = freshnessLeftSeconds(entry.fetchedAtMs, policy, now);
    return { entry, cacheStatus: status(maxAgeSeconds), ageSeconds: ageSeconds(entry.fetchedAtMs, now), maxAgeSeconds };
  }

  private observe(lookup: CacheLookup, outcome: CacheOutcome, collapsed: boolean): void {
    this.options.observer?.onOutcome(lookup.key.source, outcome, collapsed);
  }
}

/**
 * Builds the cache. With `redis`, connects at once without waiting (the cache is `degraded` until Redis is
 * up) and subscribes to the invalidation channel on a second connection.
 * @throws RedisConfigError for an unusable Redis configuration (e.g. a URL that is not redis:// or rediss://)
 */
export function createProfileCache(options: ProfileCacheOptions): ProfileCache {
  const cache = new ProfileCache(options);
  if (!options.redis) return cache;
  const commandPlan = planRedisClient(options.redis, 'command');
  const subscriberPlan = planRedisClient(options.redis, 'subscriber');
  const command = createRedisClient(commandPlan);
  const subscriber = createRedisClient(subscriberPlan);
  const tier = new RedisTier({
    command,
    subscriber,
    channel: invalidationChannel(options.redis.keyPrefix),
    instanceId: randomUUID(),
    ...(options.logger ? { logger: options.logger } : {}),
    onError: (op) => options.observer?.onRedisError(op),
    onInvalidation: (message) => cache.onInvalidation(message),
  });
  cache.attachRedis(tier);
  return cache;
}
