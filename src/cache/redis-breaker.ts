import type { RedisConfig } from '../config/config.types.js';

/** A check that Redis answers (`PING` on one connection); rejects or times out when it does not. */
export type RedisProbe = () => Promise<unknown>;

export interface RedisBreakerLogger {
  warn(obj: object, msg: string): void;
  info?(obj: object, msg: string): void;
}

export interface RedisBreakerOptions {
  /** Consecutive failed commands (errors, timeouts) that open the breaker. Default 2. */
  failureThreshold?: number;
  /** Pause between two probes while open. Default 100 ms. */
  probeEveryMs?: number;
  /** Longest wait for one probe (a probe without its own bound). Default 1 s. */
  probeTimeoutMs?: number;
  logger?: RedisBreakerLogger;
}

/**
 * Whether a failure says nothing about Redis being reachable: an error reply (`WRONGTYPE`, `NOSCRIPT`, a script
 * error) comes from a Redis that answers.
 */
function isReplyError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ReplyError';
}

/**
 * A circuit breaker on Redis commands, shared by every connection to one Redis (the cache's and the caller rate
 * limiter's). A Redis that stops answering (frozen, overloaded, a network partition that keeps sockets open) leaves
 * ioredis `ready`, so every command would wait for its `commandTimeout`. After `failureThreshold` consecutive failed
 * commands the breaker opens: callers skip Redis at once (memory tier, in-memory insurance limiter) instead of
 * waiting. While open, the breaker itself probes Redis (`PING` on every registered connection, one round at a time,
 * `probeEveryMs` apart), never a request; the first round in which every probe answers closes it, so Redis is used
 * again within about one probe round of answering.
 */
export class RedisBreaker {
  private readonly failureThreshold: number;
  private readonly probeEveryMs: number;
  private readonly probeTimeoutMs: number;
  private readonly probes = new Set<RedisProbe>();
  private consecutiveFailures = 0;
  private open = false;
  private probing = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: RedisBreakerOptions = {}) {
    this.failureThreshold = Math.max(1, options.failureThreshold ?? 2);
    this.probeEveryMs = Math.max(1, options.probeEveryMs ?? 100);
    this.probeTimeoutMs = Math.max(1, options.probeTimeoutMs ?? 1_000);
  }

  /** True while Redis is considered unresponsive: skip it. */
  isOpen(): boolean {
    return this.open;
  }

  /** A command got an answer. */
  success(): void {
    this.consecutiveFailures = 0;
    if (this.open) this.close('a command');
  }

  /** A command failed or timed out (error replies do not count: Redis answered). */
  failure(error: unknown): void {
    if (isReplyError(error)) return;
    this.consecutiveFailures += 1;
    if (!this.open && this.consecutiveFailures >= this.failureThreshold) this.trip();
  }

  /**
   * Registers a connection's probe (used only while open). Returns the function that removes it, to be called when
   * that connection closes; probing stops once no probe is left.
   */
  addProbe(probe: RedisProbe): () => void {
    this.probes.add(probe);
    if (this.open) this.scheduleProbe(0);
    return () => {
      this.probes.delete(probe);
      if (this.probes.size === 0) this.stopProbing();
    };
  }

  private trip(): void {
    this.open = true;
    this.options.logger?.warn(
      { failures: this.consecutiveFailures },
      'Redis is not answering: skipping it (memory tier, per-instance rate limits) until a probe answers',
    );
    this.scheduleProbe(0);
  }

  private close(by: string): void {
    this.open = false;
    this.consecutiveFailures = 0;
    this.stopProbing();
    this.options.logger?.info?.({ by }, 'Redis answers again: using it again');
  }

  private stopProbing(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private scheduleProbe(delayMs: number): void {
    if (this.timer !== undefined || this.probing || this.probes.size === 0) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.probe();
    }, delayMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (!this.open || this.probes.size === 0) return;
    this.probing = true;
    let answered: boolean;
    try {
      await Promise.all([...this.probes].map((probe) => this.bounded(probe)));
      answered = true;
    } catch (error) {
      answered = isReplyError(error);
    } finally {
      this.probing = false;
    }
    if (!this.open) return;
    if (answered) this.close('the probe');
    else this.scheduleProbe(this.probeEveryMs);
  }

  private async bounded(probe: RedisProbe): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('probe timed out')), this.probeTimeoutMs);
    });
    try {
      await Promise.race([probe(), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

const shared = new WeakMap<RedisConfig, RedisBreaker>();

/**
 * The one breaker of a Redis configuration: the cache tier and the caller rate limiter get the same instance for the
 * same `cache.redis` object, so a Redis that stops answering is skipped by both after the same failures. The first
 * caller's options apply.
 */
export function redisBreakerFor(config: RedisConfig, options: RedisBreakerOptions = {}): RedisBreaker {
  let breaker = shared.get(config);
  if (!breaker) {
    breaker = new RedisBreaker(options);
    shared.set(config, breaker);
  }
  return breaker;
}
