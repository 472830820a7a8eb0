import { repeatedWarnings, warningCodeOf } from '../logging/repeated-warnings.js';
import { NotCachedError, UpstreamError, UpstreamTimeoutError } from '../profiles/profile.errors.js';
import type { StoredEntry } from './cache-entry.js';
import { sourceKeyPrefix } from './cache-keys.js';
import type { CacheOutcome, ServedOutcome } from './cache-outcome.js';
import { type CacheAnswer, CachedNotFoundError, type CacheHealth, type CacheLookup, type ProfileCacheKey, type ProfileCacheOptions } from './cache-types.js';
import { type CacheClock, raceDeadline, systemClock } from './clock.js';
import { budgetOf, CoordinatedFetch, type Coordination, type FlightResult, type Forwarding } from './coordinated-fetch.js';
import { EntryStore, type LookupKeys, type PurgeReach } from './entry-store.js';
import { FleetLease } from './fleet-lease.js';
import { ageSeconds, maxAgeSeconds, stalenessSeconds } from './freshness.js';
import { decideFreshness } from './freshness-decision.js';
import { MemoryTier } from './memory-tier.js';
import { type InvalidationMessage, isGenerationAnnouncement, type SharedTier } from './shared-tier.js';
import { type Flight, SingleFlight } from './single-flight.js';

/**
 * Two-tier profile cache (contract sections 1, 4 and 5): it decides with `decideFreshness`, answers from the memory tier
 * and Redis (`EntryStore`), makes one upstream call per key at a time in this process (`SingleFlight`) and, with
 * Redis, in the whole fleet (`CoordinatedFetch` over a `FleetLease`), all within one time budget per lookup.
 * Redis never makes a request fail: reads fall back to the memory tier and the upstream, writes are skipped while
 * it is down, and every command is bounded in time.
 */
export class ProfileCache {
  private readonly clock: CacheClock;
  private readonly store: EntryStore;
  private readonly lease: FleetLease;
  private readonly flights = new SingleFlight<FlightResult>();
  private readonly calls: CoordinatedFetch;
  private readonly keyPrefix: string;
  private closed = false;

  constructor(private readonly options: ProfileCacheOptions) {
    this.clock = options.clock ?? systemClock;
    const now = (): number => this.clock.now();
    this.keyPrefix = options.redis?.keyPrefix ?? 'pgw';
    const memory = new MemoryTier(options.memory.maxItems, now, options.memory.maxBytes);
    const logger = options.logger ? { logger: options.logger } : {};
    this.store = new EntryStore({ keyPrefix: this.keyPrefix, memory, memoryTtlMs: options.memory.ttlMs, now, ...logger });
    this.lease = new FleetLease({ clock: this.clock });
    const tracer = options.tracer ? { tracer: options.tracer } : {};
    this.calls = new CoordinatedFetch({ store: this.store, lease: this.lease, clock: this.clock, isClosed: () => this.closed, ...tracer });
  }

  /** Connects the shared tier (done by `createProfileCache`). */
  attachRedis(redis: SharedTier): void {
    this.store.attachShared(redis);
  }

  /** The Redis key of a lookup in its source's current generation (also the memory tier's key). */
  async keyOf(key: ProfileCacheKey): Promise<string> {
    return (await this.store.keysOf(key)).key;
  }

  /**
   * Answers one lookup within its budget.
   * @throws CachedNotFoundError for a cached 404, or one fresh from the upstream
   * @throws NotCachedError for `only-if-cached` with nothing usable cached
   * @throws the upstream's error (`UpstreamTimeoutError` once the budget is spent) when no stale copy applies
   */
  async get(lookup: CacheLookup): Promise<CacheAnswer> {
    const deadlineMs = this.clock.now() + budgetOf(lookup);
    const keys = await this.store.keysOf(lookup.key);
    const { key } = keys;
    const { noCache = false } = lookup.directives;
    // While this process calls the upstream for the key, its other lookups share one Redis read at a time.
    const read = noCache ? { entry: undefined, sharedFailed: false } : await this.store.read(keys, lookup.policy, this.flights.current(key) !== undefined);
    // A `no-cache` request always starts its own call: one that started before it may hold data from before a change.
    const inFlight = noCache ? undefined : this.flights.current(key);
    // An entry stored by this process while Redis was being read (the call finished in between).
    const entry = read.entry ?? (noCache || inFlight ? undefined : this.store.fromMemory(key));
    const now = this.clock.now();
    const decision = decideFreshness(entry, lookup.policy, now, lookup.directives);
    // Only for a call this lookup starts (not allocated on a hit).
    const coordination = (): Coordination =>
      noCache ? { mode: 'announce' } : read.sharedFailed ? { mode: 'alone' } : { mode: 'lease', afterMs: entry?.fetchedAtMs ?? Number.NEGATIVE_INFINITY };
    switch (decision.kind) {
      case 'hit':
        return this.serve(lookup, entry!, { kind: 'hit', ttlSeconds: decision.ttlSeconds, notFound: entry!.kind === 'not-found' }, now);
      case 'stale':
        if (decision.revalidate) this.refreshInBackground(keys, lookup, coordination());
        return this.serve(lookup, entry!, { kind: 'stale', staleSeconds: decision.staleSeconds, reason: decision.reason }, now);
      case 'not-cached':
        this.observe(lookup, { kind: 'not-cached' });
        throw new NotCachedError(lookup.key.source, lookup.key.id);
      case 'fetch': {
        const flight = inFlight ?? this.startFlight(keys, lookup, coordination(), deadlineMs);
        const stale = entry?.kind === 'profile' ? entry : undefined;
        return this.forward({ lookup, flight, collapsed: inFlight !== undefined, ...decision, stale, deadlineMs });
      }
    }
  }

  /** For readiness: `up` with Redis connected, `degraded` while it is not, `memory-only` without Redis. */
  status(): CacheHealth {
    const shared = this.store.shared;
    if (!shared) return 'memory-only';
    return shared.isReady() ? 'up' : 'degraded';
  }

  /** Resolves once the Redis writes and lease releases started so far have finished (they never reject). */
  whenIdle(): Promise<void> {
    return this.store.whenIdle();
  }

  /** Finishes the pending Redis writes, then closes the connections. Background refreshes still running are not stored. */
  async close(): Promise<void> {
    this.closed = true;
    this.lease.close();
    await this.store.whenIdle();
    await this.store.shared?.close();
  }

  /**
   * Purges one entry, a profile or a cached 404 (contract §8): drops it here, stops this process's call in flight for it
   * from storing its answer, and with Redis writes a purge tombstone that lives `tombstoneTtlMs` (longer than any fetch
   * started before the purge can run) and announces the purge to every instance.
   */
  async purge(key: ProfileCacheKey, tombstoneTtlMs: number): Promise<PurgeReach> {
    const keys = await this.store.keysOf(key);
    this.flights.supersede(keys.key);
    const reach = await this.store.purgeEntry(keys, tombstoneTtlMs);
    // Once more after the Redis write: a call may have started meanwhile from what Redis held before the tombstone.
    this.flights.supersede(keys.key);
    return reach;
  }

  /** Purges every entry of a source in O(1): a new generation of its keys, in Redis and announced (contract §8). */
  async purgeSource(source: string): Promise<PurgeReach> {
    const reach = await this.store.purgeSource(source);
    this.supersedeSource(source);
    return reach;
  }

  /**
   * An announcement of another instance: a newer entry (drops the older memory copy and wakes the waits on that key),
   * a purged entry (also stops this process's call in flight for it from storing), or a source's new generation.
   */
  onInvalidation(message: InvalidationMessage): void {
    this.store.onInvalidation(message);
    if (isGenerationAnnouncement(message)) {
      this.supersedeSource(message.source);
      return;
    }
    if (message.purged) this.flights.supersede(message.key);
    this.lease.wake(message.key);
  }

  /** Waits on an upstream call, within the lookup's deadline, and answers from its result or from the stale copy. */
  private async forward(f: Forwarding): Promise<CacheAnswer> {
    let result: FlightResult;
    try {
      result = await raceDeadline(this.clock, f.flight.promise, f.deadlineMs, () => new UpstreamTimeoutError(f.lookup.key.source, budgetOf(f.lookup)));
    } catch (error) {
      const now = this.clock.now();
      if (f.stale && f.staleFallbackUntilMs !== undefined && now < f.staleFallbackUntilMs && error instanceof UpstreamError) {
        const upstreamStatus = error.upstreamStatus > 0 ? error.upstreamStatus : undefined;
        const staleSeconds = stalenessSeconds(f.stale.fetchedAtMs, f.lookup.policy, now);
        return this.serve(f.lookup, f.stale, { kind: 'stale-if-error', staleSeconds, forwarded: error.reachedUpstream, upstreamStatus, collapsed: f.collapsed }, now);
      }
      this.observe(f.lookup, { kind: 'failed', fwd: f.fwd, collapsed: f.collapsed });
      throw error;
    }
    const collapsed = f.collapsed || result.collapsed;
    const notFound = result.entry.kind === 'not-found';
    const outcome = result.stored ? { kind: 'fetched' as const, fwd: f.fwd, collapsed, notFound } : { kind: 'fetched' as const, fwd: f.fwd, collapsed, notFound, notStored: true as const };
    return this.serve(f.lookup, result.entry, outcome, this.clock.now());
  }

  private supersedeSource(source: string): void {
    const prefix = sourceKeyPrefix(this.keyPrefix, source);
    this.flights.supersedeWhere((key) => key.startsWith(prefix));
  }

  private startFlight(keys: LookupKeys, lookup: CacheLookup, coordination: Coordination, deadlineMs: number): Flight<FlightResult> {
    return this.flights.start(keys.key, (flight) => this.calls.run(keys, lookup, flight, coordination, deadlineMs));
  }

  /** One refresh per key with a budget of its own; its failures are logged, never thrown. */
  private refreshInBackground(keys: LookupKeys, lookup: CacheLookup, coordination: Coordination): void {
    if (this.flights.current(keys.key)) return;
    this.startFlight(keys, lookup, coordination, this.clock.now() + budgetOf(lookup)).promise.catch((error: unknown) => {
      // Aggregated per source and code: an upstream outage fails every refresh the same way.
      if (this.options.logger) repeatedWarnings(this.options.logger).warn('Background refresh of a cached profile failed', { source: lookup.key.source, code: warningCodeOf(error) }, { err: error, id: lookup.key.id });
    });
  }

  /** Reports the outcome and answers the entry; a 404 entry is thrown as `CachedNotFoundError`. */
  private serve(lookup: CacheLookup, entry: StoredEntry, outcome: ServedOutcome, now: number): CacheAnswer {
    this.observe(lookup, outcome);
    const facts = { outcome, ageSeconds: ageSeconds(entry.fetchedAtMs, now), maxAgeSeconds: maxAgeSeconds(entry, lookup.policy) };
    if (entry.kind === 'not-found') throw new CachedNotFoundError(lookup.key.source, lookup.key.id, facts);
    return { entry, ...facts };
  }

  private observe(lookup: CacheLookup, outcome: CacheOutcome): void {
    this.options.observer?.onOutcome(lookup.key.source, outcome);
  }
}
