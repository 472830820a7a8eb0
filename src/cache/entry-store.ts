import type { CachePolicy } from '../config/config.types.js';
import { decodeEntry, encodeEntry, type StoredEntry } from './cache-entry.js';
import { profileCacheKey, type ProfileKeyParts, profileLeaseKey } from './cache-keys.js';
import { entryLifetimeMs, redisTtlMs } from './freshness.js';
import type { MemoryTier } from './memory-tier.js';
import type { InvalidationMessage, SharedTier } from './shared-tier.js';

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
  private sharedTier: SharedTier | undefined;

  constructor(private readonly options: EntryStoreOptions) {}

  attachShared(shared: SharedTier): void {
    this.sharedTier = shared;
  }

  get shared(): SharedTier | undefined {
    return this.sharedTier;
  }

  /** The Redis (and memory tier) key of a lookup. */
  keyOf(parts: ProfileKeyParts): string {
    return profileCacheKey(this.options.keyPrefix, parts);
  }

  /** The key of the lease that lets one instance of the fleet call the upstream for a lookup. */
  leaseKeyOf(parts: ProfileKeyParts): string {
    return profileLeaseKey(this.options.keyPrefix, parts);
  }

  /** The entry for a key: memory tier first, then Redis (copied into memory). */
  async read(key: string, policy: CachePolicy): Promise<TierRead> {
    const inMemory = this.options.memory.get(key);
    if (inMemory || !this.sharedTier) return { entry: inMemory, sharedFailed: false };
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
  store(key: string, entry: StoredEntry, policy: CachePolicy): Promise<void> {
    this.remember(key, entry, policy);
    if (!this.sharedTier) return Promise.resolve();
    return this.track(this.sharedTier.store(key, encodeEntry(entry), redisTtlMs(entry, policy), entry.fetchedAtMs).then(() => undefined));
  }

  /** Another instance stored a newer entry: drops this instance's older memory copy. */
  onInvalidation(message: InvalidationMessage): void {
    this.options.memory.dropOlderThan(message.key, message.fetchedAtMs);
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
    if (text === undefined) return undefined;
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
