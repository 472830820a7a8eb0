import type { Cluster, Redis } from 'ioredis';

import { TOMBSTONE_PREFIX } from './cache-entry.js';
import type { RedisBreaker, RedisBreakerLogger } from './redis-breaker.js';
import { quitRedis } from './redis-connection.js';
import { REDIS_SCRIPTS, type ScriptCommands } from './redis-scripts.js';
import { type InvalidationMessage, type LeaseAttempt, type LeaseExtension, parseInvalidation, type RedisOperation, type SharedRead, type SharedTier, type StoreResult } from './shared-tier.js';


/** The same two levels as the breaker's logger. */
export type RedisTierLogger = RedisBreakerLogger;

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

/** How long a failed command keeps `isReady()` false when no command has succeeded since. */
const FAILURE_MEMORY_MS = 10_000;

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
  private readonly scripts: ScriptCommands;

  constructor(private readonly options: RedisTierOptions) {
    this.instanceId = options.instanceId;
    for (const [name, definition] of Object.entries(REDIS_SCRIPTS)) options.command.defineCommand(name, definition);
    this.scripts = options.command as unknown as ScriptCommands;
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
      const extended = await this.scripts.pgwExtendLease(leaseKey, token, Math.max(1, Math.ceil(ttlMs)));
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
      await this.scripts.pgwReleaseLease(leaseKey, token);
      this.succeeded();
    } catch (error) {
      // The lease expires by itself; until then other instances wait at most its remaining time.
      this.failed('lease', error);
    }
  }

  /** Stores `text` for `ttlMs` and announces it (one script, one round trip), unless a newer purge tombstone holds the key. */
  async store(key: string, text: string, ttlMs: number, fetchedAtMs: number, startedAtMs: number): Promise<StoreResult> {
    if (!this.commandReady('set')) return 'failed';
    const announcement: InvalidationMessage = { key, fetchedAtMs, instanceId: this.options.instanceId };
    try {
      const ttl = Math.max(1, Math.ceil(ttlMs));
      const written = await this.scripts.pgwStoreEntry(key, text, ttl, Math.floor(startedAtMs), TOMBSTONE_PREFIX, this.options.channel, JSON.stringify(announcement));
      this.succeeded();
      return written === 1 ? 'stored' : 'refused';
    } catch (error) {
      this.failed('set', error);
      return 'failed';
    }
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
