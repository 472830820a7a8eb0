import { randomUUID } from 'node:crypto';

import { LRUCache } from 'lru-cache';

import type { CachePolicy, RedisConfig } from '../config/config.types.js';
import { repeatedWarnings, warningCodeOf } from '../logging/repeated-warnings.js';
import { NotCachedError, ProfileNotFoundError, UpstreamError } from '../profiles/profile.errors.js';
import type { FetchedProfile, LookupBy } from '../profiles/profile-source.port.js';
import { type CachedProfile, decodeEntry, encodeEntry, type StoredEntry, type StoredProfile } from './cache-entry.js';
import { invalidationChannel, profileCacheKey, profileLeaseKey } from './cache-keys.js';
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
import { redisBreakerFor } from './redis-breaker.js';
import { createRedisClient, planRedisClient } from './redis-connection.js';
import { type InvalidationMessage, type RedisOperation, RedisTier, type SharedTier } from './redis-tier.js';

export type { CachedProfile } from './cache-entry.js';
export type { RedisOperation, SharedTier } from './redis-tier.js';

/** Added to a source's upstream budget (`timeout`) for the lease of a cross-instance call. */
export const LEASE_MARGIN_MS = 1_000;

/** Lease of a cross-instance call when the lookup names none: the default 2 s upstream budget plus the margin. */
export const DEFAULT_LEASE_MS = 2_000 + LEASE_MARGIN_MS;

/** The lease for a source whose lookups take at most `upstreamTimeoutMs` (retries included). */
export function leaseMsFor(upstreamTimeoutMs: number): number {
  return upstreamTimeoutMs + LEASE_MARGIN_MS;
}

/** First and longest pause between two checks of another instance's call (pub/sub usually ends the wait first). */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 200;

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
  /**
   * How long one instance may hold the fleet-wide lease on this key while it calls the upstream: the source's
   * whole budget plus a margin (`leaseMsFor(source.timeoutMs)`). Other instances wait for its entry at most this
   * long before calling the upstream themselves. Defaults to `DEFAULT_LEASE_MS`.
   */
  leaseMs?: number;
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
  /** The entry was stored by another instance's call, which this one waited for. */
  collapsed?: boolean;
}

/**
 * How a call relates to the other instances:
 * - `lease`: take the key's lease, or wait for the entry of the instance holding it (only an entry fetched after
 *   `afterMs` counts: a copy older than the one this request found is no answer);
 * - `announce`: call at once (`no-cache`), holding the lease if it is free so others wait on this call;
 * - `alone`: Redis just failed to answer: per-instance coalescing only.
 */
type Coordination = { mode: 'lease'; afterMs: number } | { mode: 'announce' } | { mode: 'alone' };

/** A read of both tiers; `sharedFailed` when Redis was asked and could not answer. */
interface TierRead {
  entry: StoredEntry | undefined;
  sharedFailed: boolean;
}

interface LeaseHandle {
  release(): Promise<void>;
}

interface Flight {
  promise: Promise<FlightResult>;
  /** A newer call for the same key started (a `no-cache` request): this one's result is not stored. */
  superseded: boolean;
}

/**
 * Two-tier profile cache (contract sections 1, 4 and 5): a bounded memory tier in front of a shared Redis,
 * fresh / stale-while-revalidate / stale-if-error windows, cached 404s, one upstream call per key at a time in
 * this process and, with Redis, in the whole fleet (a short lease per key: the holder calls, the others wait for
 * its entry), and invalidation of other instances' memory copies over Redis pub/sub.
 *
 * Redis never makes a request fail: reads fall back to the memory tier and the upstream, writes are skipped
 * while it is down, and every command is bounded in time.
 */
export class ProfileCache {
  private readonly memory: LRUCache<string, MemoryItem>;
  private readonly inFlight = new Map<string, Flight>();
  private readonly pendingWrites = new Set<Promise<void>>();
  /** Wakes the waits on another instance's call when its entry is announced. */
  private readonly wakers = new Map<string, Set<() => void>>();
  private readonly now: () => number;
  private readonly keyPrefix: string;
  private redis: SharedTier | undefined;
  private closed = false;

  constructor(private readonly options: ProfileCacheOptions) {
    this.now = options.now ?? Date.now;
    this.keyPrefix = options.redis?.keyPrefix ?? 'pgw';
    this.memory = new LRUCache<string, MemoryItem>({ max: Math.max(1, options.memory.maxItems) });
  }

  /** Connects the shared tier (done by `createProfileCache`). */
  attachRedis(redis: SharedTier): void {
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
        return this.forward(key, lookup, this.startFlight(key, lookup, { mode: 'announce' }), false, 'refresh', undefined);
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
    for (const wakers of this.wakers.values()) for (const wake of wakers) wake();
    await this.whenIdle();
    await this.redis?.close();
  }

  /** Drops this instance's memory copy when another instance stored a newer entry. */
  onInvalidation(message: InvalidationMessage): void {
    const item = this.memory.peek(message.key);
    if (item && item.entry.fetchedAtMs < message.fetchedAtMs) this.memory.delete(message.key);
    for (const wake of this.wakers.get(message.key) ?? []) wake();
  }

  private async cacheFirst(key: string, lookup: CacheLookup): Promise<CacheAnswer> {
    const read = await this.read(key, lookup.policy);
    let entry = read.entry;
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
        this.refreshInBackground(key, lookup, read.sharedFailed ? { mode: 'alone' } : { mode: 'lease', afterMs: entry.fetchedAtMs });
        this.observe(lookup, 'stale-while-revalidate', false);
        return this.answer(entry, lookup.policy, now, () => cacheStatus.staleWhileRevalidate());
      }
      if (freshness === 'stale-if-error') stale = entry;
    }

    const joined = this.inFlight.get(key);
    const coordination: Coordination = read.sharedFailed ? { mode: 'alone' } : { mode: 'lease', afterMs: entry?.fetchedAtMs ?? Number.NEGATIVE_INFINITY };
    const flight = joined ?? this.startFlight(key, lookup, coordination);
    return this.forward(key, lookup, flight, joined !== undefined, 'miss', stale);
  }

  private async onlyIfCached(key: string, lookup: CacheLookup): Promise<CacheAnswer> {
    const { entry } = await this.read(key, lookup.policy);
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
    const waited = collapsed || result.collapsed === true;
    this.observe(lookup, outcome, waited);
    if (result.entry.kind === 'not-found') throw result.notFound ?? new ProfileNotFoundError(lookup.key.source, lookup.key.id);
    const status = outcome === 'miss' ? cacheStatus.miss(waited) : cacheStatus.request(waited);
    return this.answer(result.entry, lookup.policy, this.now(), () => status);
  }

  /**
   * Starts one upstream call for the key; an older call still running for it is superseded (its result is not
   * stored). A `no-cache` request always starts its own call: one that started before it arrived may hold data
   * from before a change the caller wants to see.
   */
  private startFlight(key: string, lookup: CacheLookup, coordination: Coordination): Flight {
    const previous = this.inFlight.get(key);
    if (previous) previous.superseded = true;
    const control = { superseded: false };
    const promise = this.coordinatedCall(key, lookup, control, coordination).finally(() => {
      if (this.inFlight.get(key) === control) this.inFlight.delete(key);
    });
    // Waiters see the rejection; this only keeps a call nobody waits on from being an unhandled rejection.
    promise.catch(() => undefined);
    const flight: Flight = Object.assign(control, { promise });
    this.inFlight.set(key, flight);
    return flight;
  }

  /**
   * One call for the whole fleet: the instance that takes the key's lease calls the upstream, stores, announces
   * and releases; the others wait for the stored entry (woken by the announcement, checking with a short backoff)
   * and fall back to their own call when the lease ends without a newer entry (the holder failed or died) or the
   * wait outlasts the lease. Without a usable Redis, the call is this instance's alone.
   */
  private async coordinatedCall(key: string, lookup: CacheLookup, flight: { superseded: boolean }, coordination: Coordination): Promise<FlightResult> {
    const redis = this.redis;
    if (!redis || coordination.mode === 'alone') return this.ownCall(key, lookup, flight, Promise.resolve(undefined));
    if (coordination.mode === 'announce') return this.ownCall(key, lookup, flight, this.takeLease(redis, lookup));

    const leaseKey = this.leaseKeyOf(lookup);
    const token = this.leaseToken(redis);
    const leaseMs = this.leaseMsOf(lookup);
    const attempt = await redis.acquireLease(leaseKey, token, leaseMs);
    if (attempt === 'failed') return this.ownCall(key, lookup, flight, Promise.resolve(undefined));
    if (attempt === 'acquired') {
      const lease = this.leaseHandle(redis, leaseKey, token);
      // The previous holder may have stored its entry and released between this request's read and the lease.
      const stored = await this.readNewer(redis, key, lookup.policy, coordination.afterMs);
      if (stored.entry) {
        void this.track(lease.release());
        return { entry: stored.entry, collapsed: true };
      }
      return this.ownCall(key, lookup, flight, Promise.resolve(lease));
    }
    const entry = await this.waitForOtherInstance(redis, key, leaseKey, lookup.policy, coordination.afterMs, leaseMs);
    if (entry) return { entry, collapsed: true };
    return this.ownCall(key, lookup, flight, this.takeLease(redis, lookup));
  }

  /**
   * Calls the upstream, stores the result (unless superseded or closed) and then releases `lease`, which may
   * still be being taken: the call does not wait for it.
   */
  private async ownCall(key: string, lookup: CacheLookup, flight: { superseded: boolean }, lease: Promise<LeaseHandle | undefined>): Promise<FlightResult> {
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
      if (!(error instanceof ProfileNotFoundError)) {
        // Errors are not cached: instances waiting on this call make their own.
        void this.track(lease.then((held) => held?.release()));
        throw error;
      }
      result = { entry: { kind: 'not-found', fetchedAtMs: this.now() }, notFound: error };
    }
    const written = !flight.superseded && !this.closed ? this.store(key, result.entry, lookup.policy) : Promise.resolve();
    // Released only once the entry is in Redis, so a waiter that sees the lease gone finds the entry.
    void this.track(Promise.all([lease, written]).then(([held]) => held?.release()));
    return result;
  }

  /**
   * Waits for another instance's call to store an entry newer than `afterMs`. Undefined when its lease ended
   * without one, when the wait reaches `leaseMs`, or when Redis stops answering.
   */
  private async waitForOtherInstance(
    redis: SharedTier,
    key: string,
    leaseKey: string,
    policy: CachePolicy,
    afterMs: number,
    leaseMs: number,
  ): Promise<StoredEntry | undefined> {
    const deadline = performance.now() + leaseMs;
    let backoffMs = FIRST_POLL_MS;
    let leaseLeftMs = Number.POSITIVE_INFINITY;
    for (;;) {
      // Checks again right after the lease runs out, so a holder that died costs no more than its lease.
      await this.pause(key, Math.max(0, Math.min(backoffMs, leaseLeftMs + 1, deadline - performance.now())));
      if (this.closed) return undefined;
      const stored = await this.readNewer(redis, key, policy, afterMs);
      if (stored.entry || stored.failed) return stored.entry;
      const remaining = await redis.leaseRemainingMs(leaseKey);
      if (remaining === undefined) return undefined;
      // The holder stores before it releases: read once more after seeing the lease gone.
      if (remaining === 0) return (await this.readNewer(redis, key, policy, afterMs)).entry;
      if (performance.now() >= deadline) return undefined;
      leaseLeftMs = remaining;
      backoffMs = Math.min(backoffMs * 2, MAX_POLL_MS);
    }
  }

  /** Resolves after `ms`, or earlier when an entry for `key` is announced (or the cache closes). */
  private pause(key: string, ms: number): Promise<void> {
    return new Promise((resolve) => {
      let wakers = this.wakers.get(key);
      if (!wakers) {
        wakers = new Set();
        this.wakers.set(key, wakers);
      }
      const registered = wakers;
      const wake = (): void => {
        clearTimeout(timer);
        registered.delete(wake);
        if (registered.size === 0 && this.wakers.get(key) === registered) this.wakers.delete(key);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      registered.add(wake);
    });
  }

  /** An entry in Redis fetched after `afterMs` and still of use (copied into memory); `failed` when Redis did not answer. */
  private async readNewer(redis: SharedTier, key: string, policy: CachePolicy, afterMs: number): Promise<{ entry?: StoredEntry; failed: boolean }> {
    const read = await redis.read(key);
    if (!read.ok) return { failed: true };
    const entry = this.decode(key, read.text, policy);
    if (!entry || entry.fetchedAtMs <= afterMs) return { failed: false };
    this.remember(key, entry, policy);
    return { entry, failed: false };
  }

  /** Takes the lease if it is free, without waiting for anyone; never rejects. */
  private async takeLease(redis: SharedTier, lookup: CacheLookup): Promise<LeaseHandle | undefined> {
    const leaseKey = this.leaseKeyOf(lookup);
    const token = this.leaseToken(redis);
    const attempt = await redis.acquireLease(leaseKey, token, this.leaseMsOf(lookup));
    return attempt === 'acquired' ? this.leaseHandle(redis, leaseKey, token) : undefined;
  }

  private leaseHandle(redis: SharedTier, leaseKey: string, token: string): LeaseHandle {
    return { release: () => redis.releaseLease(leaseKey, token) };
  }

  private leaseKeyOf(lookup: CacheLookup): string {
    return profileLeaseKey(this.keyPrefix, lookup.key);
  }

  private leaseToken(redis: SharedTier): string {
    return `${redis.instanceId}:${randomUUID()}`;
  }

  private leaseMsOf(lookup: CacheLookup): number {
    const leaseMs = lookup.leaseMs ?? DEFAULT_LEASE_MS;
    return Number.isFinite(leaseMs) && leaseMs > 0 ? leaseMs : DEFAULT_LEASE_MS;
  }

  /** Stale-while-revalidate: one refresh per key; its failures are logged, never thrown. */
  private refreshInBackground(key: string, lookup: CacheLookup, coordination: Coordination): void {
    if (this.inFlight.has(key)) return;
    this.startFlight(key, lookup, coordination).promise.catch((error: unknown) => {
      if (this.options.logger) repeatedWarnings(this.options.logger).warn('Background refresh of a cached profile failed', { source: lookup.key.source, code: warningCodeOf(error) }, { err: error, id: lookup.key.id });
    });
  }

  /** The entry for a key: memory tier first, then Redis (copied into memory). Never throws. */
  private async read(key: string, policy: CachePolicy): Promise<TierRead> {
    const inMemory = this.fromMemory(key);
    if (inMemory || !this.redis) return { entry: inMemory, sharedFailed: false };
    const read = await this.redis.read(key);
    if (!read.ok) return { entry: undefined, sharedFailed: true };
    const entry = this.decode(key, read.text, policy);
    if (entry) this.remember(key, entry, policy);
    return { entry, sharedFailed: false };
  }

  /** A stored text as an entry that is still of use; undefined when absent, unreadable or expired. */
  private decode(key: string, text: string | undefined, policy: CachePolicy): StoredEntry | undefined {
    if (text === undefined) return undefined;
    const entry = decodeEntry(text);
    if (!entry) {
      this.options.logger?.warn({ key }, 'Ignoring an unreadable cache entry');
      return undefined;
    }
    return this.usefulUntil(entry, policy) > this.now() ? entry : undefined;
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
   * Redis, and requests of this process find the entry in memory meanwhile. Resolves when the write is done.
   */
  private store(key: string, entry: StoredEntry, policy: CachePolicy): Promise<void> {
    this.remember(key, entry, policy);
    if (!this.redis) return Promise.resolve();
    return this.track(this.redis.store(key, encodeEntry(entry), redisTtlMs(entry, policy), entry.fetchedAtMs).then(() => undefined));
  }

  /** Counts a background Redis step (which never rejects) for `whenIdle`. */
  private track(step: Promise<void>): Promise<void> {
    const tracked = step.catch(() => undefined);
    this.pendingWrites.add(tracked);
    void tracked.finally(() => this.pendingWrites.delete(tracked));
    return tracked;
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
    breaker: redisBreakerFor(options.redis, options.logger ? { logger: options.logger } : {}),
  });
  cache.attachRedis(tier);
  return cache;
}
