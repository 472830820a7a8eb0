import type { CachePolicy } from '../config/config.types.js';
import { decodeEntry, encodeEntry, encodeTombstone, isTombstone, type StoredEntry } from './cache-entry.js';
import { profileCacheKey, type ProfileKeyParts, profileLeaseKey, sourceGenerationKey } from './cache-keys.js';
import { entryLifetimeMs, redisTtlMs } from './freshness.js';
import type { MemoryTier } from './memory-tier.js';
import { type InvalidationMessage, isGenerationAnnouncement, type SharedTier } from './shared-tier.js';
import { SingleFlight } from './single-flight.js';
import { SourceGenerations } from './source-generations.js';

/**
 * The keys of one lookup in its source's current generation. `shared` is false when Redis is configured but the
 * source's generation could not be read yet: Redis is then neither read nor written for the lookup.
 */
export interface LookupKeys {
  readonly key: string;
  readonly leaseKey: string;
  readonly shared: boolean;
}

/** Where a purge took effect: `shared` in Redis (announced to the fleet), `memory-only` without Redis, `failed` Redis did not take it. */
export type PurgeReach = 'shared' | 'memory-only' | 'failed';

/** A read of both tiers; `sharedFailed` when Redis was asked and could not answer. */
export interface TierRead {
  entry: StoredEntry | undefined;
  sharedFailed: boolean;
}

export interface EntryStoreOptions {
  keyPrefix: string;
  memory: MemoryTier;
  /** With Redis, the longest a memory copy stays before it is read from Redis again. */
  memoryTtlMs: number;
  now: () => number;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * The one place where cache keys are built and entries are read and stored: the memory tier in front of the
 * shared tier. Reads never throw; writes go to memory at once and to Redis in the background.
 */
export class EntryStore {
  private readonly pending = new Set<Promise<void>>();
  /** Joinable Redis reads under way, by key (`read` with `join`). */
  private readonly sharedReads = new SingleFlight<TierRead>();
  private sharedTier: SharedTier | undefined;
  private generations: SourceGenerations;

  constructor(private readonly options: EntryStoreOptions) {
    this.generations = new SourceGenerations({ now: options.now });
  }

  attachShared(shared: SharedTier): void {
    this.sharedTier = shared;
    this.generations = new SourceGenerations({
      now: this.options.now,
      read: (source) => shared.readGeneration(sourceGenerationKey(this.options.keyPrefix, source)),
    });
  }

  get shared(): SharedTier | undefined {
    return this.sharedTier;
  }

  /**
   * The entry and lease keys of a lookup in its source's current generation (read from Redis at most once a second per
   * source, see `SourceGenerations`).
   */
  async keysOf(parts: ProfileKeyParts): Promise<LookupKeys> {
    const known = this.generations.current(parts.source);
    const generation = typeof known === 'number' || known === undefined ? known : await known;
    const { keyPrefix } = this.options;
    const g = generation ?? 0;
    return {
      key: profileCacheKey(keyPrefix, parts, g),
      leaseKey: profileLeaseKey(keyPrefix, parts, g),
      shared: this.sharedTier !== undefined && generation !== undefined,
    };
  }

  /**
   * The entry for a lookup: memory tier first, then Redis (copied into memory). With `join`, a lookup that finds a
   * Redis read of its key under way takes that read's answer (issued while it was pending, it is as recent as its own
   * would be): the cache asks for it while an upstream call for the key is in flight, so a stampede makes one read at a
   * time, not one per request.
   */
  async read(keys: LookupKeys, policy: CachePolicy, join: boolean): Promise<TierRead> {
    const inMemory = this.options.memory.get(keys.key);
    if (inMemory || !this.sharedTier) return { entry: inMemory, sharedFailed: false };
    if (!keys.shared) return { entry: undefined, sharedFailed: true };
    const { key } = keys;
    if (!join) return this.readTier(key, policy);
    return (this.sharedReads.current(key) ?? this.sharedReads.start(key, () => this.readTier(key, policy))).promise;
  }

  private async readTier(key: string, policy: CachePolicy): Promise<TierRead> {
    const read = await this.readShared(key, policy, Number.NEGATIVE_INFINITY);
    return { entry: read.entry, sharedFailed: read.failed };
  }

  /** The memory copy of a key, if any. */
  fromMemory(key: string): StoredEntry | undefined {
    return this.options.memory.get(key);
  }

  /** An entry in Redis fetched after `afterMs` and still of use (copied into memory); `failed` when Redis did not answer. */
  async readShared(key: string, policy: CachePolicy, afterMs: number): Promise<{ entry?: StoredEntry; failed: boolean }> {
    if (!this.sharedTier) return { failed: true };
    const read = await this.sharedTier.read(key);
    if (!read.ok) return { failed: true };
    const entry = this.decode(key, read.text, policy);
    if (!entry || entry.fetchedAtMs <= afterMs) return { failed: false };
    this.remember(key, entry, policy);
    return { entry, failed: false };
  }

  /**
   * Keeps the entry in memory at once and writes it to Redis in the background: the answer never waits on Redis,
   * and requests of this process find the entry in memory meanwhile. Resolves when the write is done.
   */
  store(keys: LookupKeys, entry: StoredEntry, policy: CachePolicy, startedAtMs: number): Promise<void> {
    const { key } = keys;
    this.remember(key, entry, policy);
    if (!this.sharedTier || !keys.shared) return Promise.resolve();
    const written = this.sharedTier.store(key, encodeEntry(entry), redisTtlMs(entry, policy), entry.fetchedAtMs, startedAtMs);
    return this.track(
      written.then((result) => {
        // A purge on another instance came after this fetch started: its answer must not stay here either.
        if (result === 'refused') this.options.memory.dropOlderThan(key, entry.fetchedAtMs + 1);
      }),
    );
  }

  /**
   * Purges one entry (a profile or a cached 404) of the current generation: drops the memory copy and, with Redis,
   * leaves a tombstone for `tombstoneTtlMs` in its key and announces it. Resolves once Redis took it.
   */
  async purgeEntry(keys: LookupKeys, tombstoneTtlMs: number): Promise<PurgeReach> {
    this.options.memory.delete(keys.key);
    // Lookups from now on read Redis afresh instead of joining a read that may answer from before the purge.
    this.sharedReads.supersede(keys.key);
    if (!this.sharedTier) return 'memory-only';
    if (!keys.shared) return 'failed';
    const now = this.options.now();
    const taken = await this.sharedTier.purge(keys.key, encodeTombstone(now), tombstoneTtlMs, now);
    // Again: a read of Redis answered before the tombstone landed may have copied the old entry here meanwhile.
    this.options.memory.delete(keys.key);
    return taken ? 'shared' : 'failed';
  }

  /** Purges a whole source: raises its generation (in Redis, announced; without Redis in this instance). */
  async purgeSource(source: string): Promise<PurgeReach> {
    if (!this.sharedTier) {
      this.generations.bumpLocal(source);
      return 'memory-only';
    }
    const generation = await this.sharedTier.bumpGeneration(sourceGenerationKey(this.options.keyPrefix, source), source);
    if (generation === undefined) return 'failed';
    this.generations.learn(source, generation);
    return 'shared';
  }

  /**
   * An announcement of another instance: a newer entry (drops this instance's older memory copy), a purged entry
   * (drops the memory copy, whatever its age: a fetch in flight during the purge may have written it) or a source's
   * new generation.
   */
  onInvalidation(message: InvalidationMessage): void {
    if (isGenerationAnnouncement(message)) this.generations.learn(message.source, message.generation);
    else if (message.purged) this.options.memory.delete(message.key);
    else this.options.memory.dropOlderThan(message.key, message.fetchedAtMs);
  }

  /** Counts a background Redis step (which never rejects) for `whenIdle`. */
  track(step: Promise<void>): Promise<void> {
    const tracked = step.catch(() => undefined);
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    return tracked;
  }

  /** Resolves once the background Redis steps started so far have finished. */
  async whenIdle(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** A stored text as an entry that is still of use; undefined when absent, unreadable or expired. */
  private decode(key: string, text: string | undefined, policy: CachePolicy): StoredEntry | undefined {
    if (text === undefined || isTombstone(text)) return undefined;
    const entry = decodeEntry(text);
    if (!entry) {
      this.options.logger?.warn({ key }, 'Ignoring an unreadable cache entry');
      return undefined;
    }
    return entry.fetchedAtMs + entryLifetimeMs(entry, policy) > this.options.now() ? entry : undefined;
  }

  /** Keeps a copy in memory: with Redis at most `memoryTtlMs` (and the source's `ttl`), alone as long as it is of use. */
  private remember(key: string, entry: StoredEntry, policy: CachePolicy): void {
    let expiresAtMs = entry.fetchedAtMs + entryLifetimeMs(entry, policy);
    if (this.sharedTier) expiresAtMs = Math.min(expiresAtMs, this.options.now() + Math.min(this.options.memoryTtlMs, policy.ttlMs));
    this.options.memory.put(key, entry, expiresAtMs);
  }
}
