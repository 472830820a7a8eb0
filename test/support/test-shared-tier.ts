import { isTombstone } from '../../src/cache/cache-entry.js';
import type { InvalidationMessage, LeaseAttempt, LeaseExtension, SharedRead, SharedTier, StoreResult } from '../../src/cache/shared-tier.js';

interface Value {
  text: string;
  expiresAtMs: number;
}

/**
 * One Redis as several gateway instances see it, in memory, for specs of the cache logic: values with a TTL,
 * `SET NX PX` leases, compare-and-delete release, and announcements delivered to every other instance (as
 * Redis pub/sub does, after the current turn), purge tombstones that refuse older writes as the entry-write script
 * does, and generation counters. `down` makes every command fail like an unreachable Redis. Expiry
 * follows `now` (a virtual clock's, in specs that use one).
 */
export class InMemoryRedis {
  /** Every lease extension (heartbeat), in order. */
  readonly leasesExtended: Array<{ key: string; ttlMs: number }> = [];
  down = false;
  /** Every lease taken, with its TTL, in order. */
  readonly leasesTaken: Array<{ key: string; ttlMs: number }> = [];
  /** Every entry read (GET), by key, in order. */
  readonly reads: string[] = [];
  /** Called before each lease attempt (lets a spec change the data in between). */
  beforeLease: (() => void) | undefined;
  private readonly values = new Map<string, Value>();
  private readonly tiers = new Set<InMemorySharedTier>();

  constructor(readonly now: () => number = Date.now) {}

  /** The shared tier of one instance. */
  connect(instanceId: string, onInvalidation: (message: InvalidationMessage) => void): InMemorySharedTier {
    const tier = new InMemorySharedTier(this, instanceId, onInvalidation);
    this.tiers.add(tier);
    return tier;
  }

  get(key: string): string | undefined {
    const value = this.values.get(key);
    if (!value) return undefined;
    if (value.expiresAtMs > this.now()) return value.text;
    this.values.delete(key);
    return undefined;
  }

  /** Milliseconds until `key` expires (0 when absent). */
  remainingMs(key: string): number {
    const value = this.values.get(key);
    return value ? Math.max(0, value.expiresAtMs - this.now()) : 0;
  }

  set(key: string, text: string, ttlMs: number): void {
    this.values.set(key, { text, expiresAtMs: this.now() + ttlMs });
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  keys(): string[] {
    return [...this.values.keys()].filter((key) => this.get(key) !== undefined);
  }

  publish(message: InvalidationMessage): void {
    for (const tier of this.tiers) {
      if (tier.instanceId !== message.instanceId) setImmediate(() => tier.deliver(message));
    }
  }

  disconnect(tier: InMemorySharedTier): void {
    this.tiers.delete(tier);
  }
}

export class InMemorySharedTier implements SharedTier {
  constructor(
    private readonly redis: InMemoryRedis,
    readonly instanceId: string,
    private readonly onInvalidation: (message: InvalidationMessage) => void,
  ) {}

  isReady(): boolean {
    return !this.redis.down;
  }

  read(key: string): Promise<SharedRead> {
    this.redis.reads.push(key);
    if (this.redis.down) return Promise.resolve({ ok: false });
    return Promise.resolve({ ok: true, text: this.redis.get(key) });
  }

  store(key: string, text: string, ttlMs: number, fetchedAtMs: number, startedAtMs: number): Promise<StoreResult> {
    if (this.redis.down) return Promise.resolve('failed');
    const current = this.redis.get(key);
    if (current !== undefined && isTombstone(current) && (JSON.parse(current) as { purgedAtMs: number }).purgedAtMs >= startedAtMs) {
      return Promise.resolve('refused');
    }
    this.redis.set(key, text, ttlMs);
    this.redis.publish({ key, fetchedAtMs, instanceId: this.instanceId });
    return Promise.resolve('stored');
  }

  purge(key: string, tombstone: string, ttlMs: number, purgedAtMs: number): Promise<boolean> {
    if (this.redis.down) return Promise.resolve(false);
    this.redis.set(key, tombstone, ttlMs);
    this.redis.publish({ key, fetchedAtMs: purgedAtMs, instanceId: this.instanceId, purged: true });
    return Promise.resolve(true);
  }

  readGeneration(generationKey: string): Promise<number | undefined> {
    if (this.redis.down) return Promise.resolve(undefined);
    return Promise.resolve(Number(this.redis.get(generationKey) ?? '0'));
  }

  bumpGeneration(generationKey: string, source: string): Promise<number | undefined> {
    if (this.redis.down) return Promise.resolve(undefined);
    const generation = Number(this.redis.get(generationKey) ?? '0') + 1;
    this.redis.set(generationKey, String(generation), Number.MAX_SAFE_INTEGER);
    this.redis.publish({ source, generation, instanceId: this.instanceId });
    return Promise.resolve(generation);
  }

  acquireLease(leaseKey: string, token: string, ttlMs: number): Promise<LeaseAttempt> {
    this.redis.beforeLease?.();
    if (this.redis.down) return Promise.resolve('failed');
    if (this.redis.get(leaseKey) !== undefined) return Promise.resolve('held');
    this.redis.set(leaseKey, token, ttlMs);
    this.redis.leasesTaken.push({ key: leaseKey, ttlMs });
    return Promise.resolve('acquired');
  }

  extendLease(leaseKey: string, token: string, ttlMs: number): Promise<LeaseExtension> {
    if (this.redis.down) return Promise.resolve('failed');
    if (this.redis.get(leaseKey) !== token) return Promise.resolve('lost');
    this.redis.set(leaseKey, token, ttlMs);
    this.redis.leasesExtended.push({ key: leaseKey, ttlMs });
    return Promise.resolve('extended');
  }

  leaseRemainingMs(leaseKey: string): Promise<number | undefined> {
    if (this.redis.down) return Promise.resolve(undefined);
    return Promise.resolve(this.redis.remainingMs(leaseKey));
  }

  releaseLease(leaseKey: string, token: string): Promise<void> {
    if (!this.redis.down && this.redis.get(leaseKey) === token) this.redis.delete(leaseKey);
    return Promise.resolve();
  }

  deliver(message: InvalidationMessage): void {
    this.onInvalidation(message);
  }

  close(): Promise<void> {
    this.redis.disconnect(this);
    return Promise.resolve();
  }
}
