import type { Cluster, Redis } from 'ioredis';
import secureJson from 'secure-json-parse';

import { TOMBSTONE_PREFIX } from './cache-entry.js';
import type { RedisBreaker } from './redis-breaker.js';
import { quitRedis } from './redis-connection.js';
import type { InvalidationMessage, LeaseAttempt, LeaseExtension, RedisOperation, SharedRead, SharedTier, StoreResult } from './shared-tier.js';

export type { InvalidationMessage, LeaseAttempt, LeaseExtension, RedisOperation, SharedRead, SharedTier, StoreResult } from './shared-tier.js';

export interface RedisTierLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface RedisTierOptions {
  command: Redis | Cluster;
  subscriber: Redis | Cluster;
  channel: string;
  instanceId: string;
  logger?: RedisTierLogger;
  onError?: (op: RedisOperation) => void;
  /** Called for every invalidation published by another instance. */
  onInvalidation: (message: InvalidationMessage) => void;
  /** Least time between two warnings about the same operation. */
  warnEveryMs?: number;
  /** Skips commands at once while Redis does not answer (shared with the rate limiter; see `redis-breaker.ts`). */
  breaker?: RedisBreaker;
}

/** Parses a message of the invalidation channel; undefined when it is not one. */
export function parseInvalidation(text: string): InvalidationMessage | undefined {
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, fetchedAtMs, instanceId, purged, source, generation } = value as Record<string, unknown>;
  if (typeof instanceId !== 'string') return undefined;
  if (typeof source === 'string' && typeof generation === 'number' && Number.isSafeInteger(generation)) return { source, generation, instanceId };
  if (typeof key !== 'string' || typeof fetchedAtMs !== 'number' || !Number.isFinite(fetchedAtMs)) return undefined;
  return purged === true ? { key, fetchedAtMs, instanceId, purged: true } : { key, fetchedAtMs, instanceId };
}

/** Compare-and-delete: only the holder's token releases a lease. */
const RELEASE_LEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";

/** Compare-and-extend: only the holder's token extends a lease. */
const EXTEND_LEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";

/**
 * The entry write: `SET key text PX ttl`, unless the key holds a purge tombstone written at or after the fetch started
 * (ARGV[3]). One key, so it runs on any Redis Cluster node. Only the first bytes are read (GETRANGE) unless they are a
 * tombstone's, so checking costs nothing for the large entries.
 */
const STORE_ENTRY_SCRIPT = `
local head = redis.call('getrange', KEYS[1], 0, string.len(ARGV[4]) - 1)
if head == ARGV[4] then
  local purgedAt = tonumber(string.match(redis.call('get', KEYS[1]), '"purgedAtMs":(%d+)'))
  if purgedAt and purgedAt >= tonumber(ARGV[3]) then return 0 end
end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1`;

/** How long a failed command keeps `isReady()` false when no command has succeeded since. */
export const FAILURE_MEMORY_MS = 10_000;

/**
 * The shared tier: GET/SET of entries, leases and the invalidation channel. It never throws: a failed or skipped
 * command is reported, logged (at most once per `warnEveryMs` per operation) and answered as "nothing". Every
 * command touches a single key, so it works the same on one Redis, behind Sentinel and on a Redis Cluster.
 */
export class RedisTier implements SharedTier {
  readonly instanceId: string;
  private readonly lastWarnAt = new Map<string, number>();
  private readonly warnEveryMs: number;
  private wasReady = false;
  private closed = false;
  private lastFailureAt = Number.NEGATIVE_INFINITY;
  private lastSuccessAt = Number.NEGATIVE_INFINITY;
  private readonly removeProbe: (() => void) | undefined;

  constructor(private readonly options: RedisTierOptions) {
    this.instanceId = options.instanceId;
    this.removeProbe = options.breaker?.addProbe(() => options.command.ping());
    this.warnEveryMs = options.warnEveryMs ?? 10_000;
    this.watch(options.command, 'command');
    this.watch(options.subscriber, 'subscriber');
    options.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== options.channel) return;
      const message = parseInvalidation(text);
      if (message && message.instanceId !== options.instanceId) options.onInvalidation(message);
    });
    options.subscriber.subscribe(options.channel).catch((error: unknown) => this.failed('subscribe', error));
  }

  /**
   * Both connections are usable and the last command did not fail within `FAILURE_MEMORY_MS` (a Redis Cluster
   * client stays `ready` while one of its nodes is down, but the commands for that node's slots fail).
   */
  isReady(): boolean {
    if (this.options.command.status !== 'ready' || this.options.subscriber.status !== 'ready' || this.options.breaker?.isOpen()) return false;
    const failing = this.lastFailureAt > this.lastSuccessAt && Date.now() - this.lastFailureAt < FAILURE_MEMORY_MS;
    return !failing;
  }

  /** The stored text (`text` undefined when absent); `ok: false` when Redis cannot answer in time. */
  async read(key: string): Promise<SharedRead> {
    if (!this.commandReady('get')) return { ok: false };
    try {
      const text = await this.options.command.get(key);
      this.succeeded();
      return { ok: true, text: text ?? undefined };
    } catch (error) {
      this.failed('get', error);
      return { ok: false };
    }
  }

  async acquireLease(leaseKey: string, token: string, ttlMs: number): Promise<LeaseAttempt> {
    if (!this.commandReady('lease')) return 'failed';
    try {
      const answer = await this.options.command.set(leaseKey, token, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX');
      this.succeeded();
      return answer === 'OK' ? 'acquired' : 'held';
    } catch (error) {
      this.failed('lease', error);
      return 'failed';
    }
  }

  async extendLease(leaseKey: string, token: string, ttlMs: number): Promise<LeaseExtension> {
    if (!this.commandReady('lease')) return 'failed';
    try {
      const extended = await this.options.command.eval(EXTEND_LEASE_SCRIPT, 1, leaseKey, token, Math.max(1, Math.ceil(ttlMs)));
      this.succeeded();
      return extended === 1 ? 'extended' : 'lost';
    } catch (error) {
      this.failed('lease', error);
      return 'failed';
    }
  }

  async leaseRemainingMs(leaseKey: string): Promise<number | undefined> {
    if (!this.commandReady('lease')) return undefined;
    try {
      // -2: no such key; -1: no expiry (never set by the cache: treated as held for the whole wait).
      const pttl = await this.options.command.pttl(leaseKey);
      this.succeeded();
      if (pttl === -1) return Number.POSITIVE_INFINITY;
      return Math.max(0, pttl);
    } catch (error) {
      this.failed('lease', error);
      return undefined;
    }
  }

  async releaseLease(leaseKey: string, token: string): Promise<void> {
    if (!this.commandReady('lease')) return;
    try {
      await this.options.command.eval(RELEASE_LEASE_SCRIPT, 1, leaseKey, token);
      this.succeeded();
    } catch (error) {
      // The lease expires by itself; until then other instances wait at most its remaining time.
      this.failed('lease', error);
    }
  }

  /** Stores `text` for `ttlMs` and announces it, unless a newer purge tombstone holds the key. */
  async store(key: string, text: string, ttlMs: number, fetchedAtMs: number, startedAtMs: number): Promise<StoreResult> {
    if (!this.commandReady('set')) return 'failed';
    try {
      const written = await this.options.command.eval(STORE_ENTRY_SCRIPT, 1, key, text, Math.max(1, Math.ceil(ttlMs)), Math.floor(startedAtMs), TOMBSTONE_PREFIX);
      this.succeeded();
      if (written !== 1) return 'refused';
    } catch (error) {
      this.failed('set', error);
      return 'failed';
    }
    await this.announce({ key, fetchedAtMs, instanceId: this.options.instanceId });
    return 'stored';
  }

  /** Writes the tombstone over the entry (a cached 404 too) and announces the purge. */
  async purge(key: string, tombstone: string, ttlMs: number, purgedAtMs: number): Promise<boolean> {
    if (!this.commandReady('purge')) return false;
    try {
      await this.options.command.set(key, tombstone, 'PX', Math.max(1, Math.ceil(ttlMs)));
      this.succeeded();
    } catch (error) {
      this.failed('purge', error);
      return false;
    }
    await this.announce({ key, fetchedAtMs: purgedAtMs, instanceId: this.options.instanceId, purged: true });
    return true;
  }

  async readGeneration(generationKey: string): Promise<number | undefined> {
    if (!this.commandReady('generation')) return undefined;
    try {
      const text = await this.options.command.get(generationKey);
      this.succeeded();
      if (text === null) return 0;
      const generation = /^\d{1,15}$/.test(text) ? Number(text) : undefined;
      if (generation === undefined) this.warn('generation-value', { key: generationKey }, 'Ignoring a source generation that is not an integer');
      return generation;
    } catch (error) {
      this.failed('generation', error);
      return undefined;
    }
  }

  async bumpGeneration(generationKey: string, source: string): Promise<number | undefined> {
    if (!this.commandReady('generation')) return undefined;
    let generation: number;
    try {
      generation = await this.options.command.incr(generationKey);
      this.succeeded();
    } catch (error) {
      this.failed('generation', error);
      return undefined;
    }
    await this.announce({ source, generation, instanceId: this.options.instanceId });
    return generation;
  }

  /** Publishes on the invalidation channel; a failure is reported, never thrown (readers re-check within a second). */
  private async announce(message: InvalidationMessage): Promise<void> {
    try {
      await this.options.command.publish(this.options.channel, JSON.stringify(message));
    } catch (error) {
      this.failed('publish', error);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.removeProbe?.();
    await Promise.all([quitRedis(this.options.command), quitRedis(this.options.subscriber)]);
  }

  private commandReady(op: RedisOperation): boolean {
    if (this.closed) return false;
    if (this.options.command.status === 'ready' && !this.options.breaker?.isOpen()) return true;
    this.options.onError?.(op);
    return false;
  }

  private succeeded(): void {
    this.lastSuccessAt = Date.now();
    this.options.breaker?.success();
  }

  private failed(op: RedisOperation, error: unknown): void {
    if (this.closed) return;
    this.options.breaker?.failure(error);
    this.lastFailureAt = Date.now();
    this.options.onError?.(op);
    this.warn(op, { err: error, op }, `Redis ${op} failed; answering without the shared cache`);
  }

  private watch(client: Redis | Cluster, role: 'command' | 'subscriber'): void {
    // Without an 'error' listener, ioredis errors would crash the process.
    client.on('error', (error: unknown) => {
      if (!this.closed) this.warn(`${role}-error`, { err: error, role }, 'Redis connection error');
    });
    if (role !== 'command') return;
    client.on('ready', () => {
      this.lastFailureAt = Number.NEGATIVE_INFINITY;
      if (this.wasReady) this.options.logger?.info?.({}, 'Redis connection restored; shared cache in use again');
      this.wasReady = true;
    });
    client.on('close', () => {
      if (this.closed || !this.wasReady) return;
      this.warn('command-close', {}, 'Redis connection lost; serving from the memory tier and the upstreams, reconnecting');
    });
  }

  private warn(topic: string, obj: object, msg: string): void {
    const now = Date.now();
    const last = this.lastWarnAt.get(topic);
    if (last !== undefined && now - last < this.warnEveryMs) return;
    this.lastWarnAt.set(topic, now);
    this.options.logger?.warn(obj, msg);
  }
}
