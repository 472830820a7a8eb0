import type { Cluster, Redis } from 'ioredis';
import secureJson from 'secure-json-parse';

/** Redis operations the cache reports to its observer when they fail or are skipped while Redis is down. */
export type RedisOperation = 'get' | 'set' | 'publish' | 'subscribe';

export interface RedisTierLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

/** What an instance announces after storing an entry. */
export interface InvalidationMessage {
  key: string;
  fetchedAtMs: number;
  instanceId: string;
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
  const { key, fetchedAtMs, instanceId } = value as Record<string, unknown>;
  if (typeof key !== 'string' || typeof instanceId !== 'string' || typeof fetchedAtMs !== 'number' || !Number.isFinite(fetchedAtMs)) {
    return undefined;
  }
  return { key, fetchedAtMs, instanceId };
}

/**
 * The shared tier: GET/SET of entries and the invalidation channel. It never throws: a failed or skipped
 * command is reported, logged (at most once per `warnEveryMs` per operation) and answered as "nothing".
 */
export class RedisTier {
  private readonly lastWarnAt = new Map<string, number>();
  private readonly warnEveryMs: number;
  private wasReady = false;
  private closed = false;

  constructor(private readonly options: RedisTierOptions) {
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

  /** Both connections are usable. */
  isReady(): boolean {
    return this.options.command.status === 'ready' && this.options.subscriber.status === 'ready';
  }

  /** The stored text, or undefined when absent or when Redis cannot answer in time. */
  async get(key: string): Promise<string | undefined> {
    if (!this.commandReady('get')) return undefined;
    try {
      const text = await this.options.command.get(key);
      return text ?? undefined;
    } catch (error) {
      this.failed('get', error);
      return undefined;
    }
  }

  /** Stores `text` for `ttlMs` and announces it; false when Redis could not take it. */
  async store(key: string, text: string, ttlMs: number, fetchedAtMs: number): Promise<boolean> {
    if (!this.commandReady('set')) return false;
    try {
      await this.options.command.set(key, text, 'PX', ttlMs);
    } catch (error) {
      this.failed('set', error);
      return false;
    }
    const message: InvalidationMessage = { key, fetchedAtMs, instanceId: this.options.instanceId };
    try {
      await this.options.command.publish(this.options.channel, JSON.stringify(message));
    } catch (error) {
      this.failed('publish', error);
    }
    return true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([quit(this.options.command), quit(this.options.subscriber)]);
  }

  private commandReady(op: RedisOperation): boolean {
    if (this.closed) return false;
    if (this.options.command.status === 'ready') return true;
    this.options.onError?.(op);
    return false;
  }

  private failed(op: RedisOperation, error: unknown): void {
    if (this.closed) return;
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

/** Closes a connection politely when it is up, at once otherwise; never waits more than a second. */
async function quit(client: Redis | Cluster): Promise<void> {
  if (client.status === 'end') return;
  if (client.status !== 'ready') {
    client.disconnect();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 1_000);
  });
  try {
    await Promise.race([client.quit().then(() => undefined), timeout]);
  } catch {
    // Closing anyway.
  } finally {
    clearTimeout(timer);
    client.disconnect();
  }
}
