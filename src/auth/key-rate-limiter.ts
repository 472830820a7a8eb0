import type { Cluster, Redis } from 'ioredis';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

import { type RedisBreaker, redisBreakerFor } from '../cache/redis-breaker.js';
import { createRedisClient, planRedisClient, quitRedis } from '../cache/redis-connection.js';
import type { ApiKeyConfig, RedisConfig } from '../config/config.types.js';

/** The state of one key's budget after a request was counted (the `RateLimit-*` response headers). */
export interface RateLimitState {
  /** Requests allowed per window. */
  limit: number;
  /** Requests left in the current window. */
  remaining: number;
  /** Whole seconds until the window resets (at least 1). */
  resetSeconds: number;
  /** Window length in whole seconds. */
  windowSeconds: number;
}

export type RateLimitDecision = { allowed: true; state: RateLimitState } | { allowed: false; state: RateLimitState; retryAfterSeconds: number };

export interface RateLimiterLogger {
  warn(obj: object, msg: string): void;
}

export interface KeyRateLimiterOptions {
  apiKeys: readonly ApiKeyConfig[];
  /** Shared counters in Redis when set; per-instance counters otherwise. */
  redis?: RedisConfig;
  /** Called each time a Redis failure makes a key fall back to this instance's own counter. */
  onRedisError?: () => void;
  logger?: RateLimiterLogger;
  /** Least time between two warnings about Redis failures. */
  warnEveryMs?: number;
  /** While open, keys are counted by the insurance limiter without asking Redis (shared with the cache). */
  breaker?: RedisBreaker;
}

/**
 * rate-limiter-flexible counts whole seconds: a window is rounded up to the next second (at least 1 s).
 */
export function windowSecondsOf(windowMs: number): number {
  return Math.max(1, Math.ceil(windowMs / 1000));
}

function stateOf(res: RateLimiterRes, limit: number, windowSeconds: number): RateLimitState {
  return {
    limit,
    remaining: Math.max(0, res.remainingPoints),
    resetSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)),
    windowSeconds,
  };
}

/** A memory limiter that reports each use: it is only used as the insurance of a Redis limiter. */
class InsuranceLimiter extends RateLimiterMemory {
  constructor(
    options: ConstructorParameters<typeof RateLimiterMemory>[0],
    private readonly onUse: () => void,
  ) {
    super(options);
  }

  override consume(key: string | number, points?: number, options?: { [key: string]: unknown }): Promise<RateLimiterRes> {
    this.onUse();
    return super.consume(key, points, options);
  }
}

interface KeyLimiter {
  limiter: RateLimiterAbstract;
  /** The in-memory insurance of a Redis limiter. */
  insurance?: RateLimiterAbstract;
  limit: number;
  windowSeconds: number;
}

/**
 * Per-key request budgets (`auth.apiKeys[].rateLimit`): a fixed window of `window` seconds that starts with the key's
 * first request, `limit` requests in it.
 *
 * With `cache.redis`, the counters live in Redis on a connection of their own (keys `<keyPrefix>:ratelimit:<key name>`),
 * so every instance shares one budget per key. Every command is bounded by `commandTimeout` and fails at once while
 * Redis is down; then the key is counted by this instance alone (an in-memory insurance limiter) until Redis is back,
 * so a Redis outage never rejects or delays a request, it only makes the budget per instance for that time. Once a key
 * is over its limit, it is refused from memory for the rest of the window, without asking Redis.
 */
export class KeyRateLimiter {
  private readonly limiters = new Map<string, KeyLimiter>();
  private lastWarnAt = 0;
  private insuranceUses = 0;
  private readonly breaker: RedisBreaker | undefined;
  private readonly removeProbe: (() => void) | undefined;

  constructor(
    options: KeyRateLimiterOptions,
    private readonly client?: Redis | Cluster,
  ) {
    this.breaker = client ? options.breaker : undefined;
    this.removeProbe = client && this.breaker?.addProbe(() => client.ping());
    const redisPrefix = options.redis ? `${options.redis.keyPrefix}:ratelimit` : 'ratelimit';
    for (const key of options.apiKeys) {
      if (!key.rateLimit) continue;
      const points = key.rateLimit.limit;
      const duration = windowSecondsOf(key.rateLimit.windowMs);
      let limiter: RateLimiterAbstract;
      let insurance: RateLimiterAbstract | undefined;
      if (client) {
        insurance = new InsuranceLimiter({ keyPrefix: 'insurance', points, duration }, () => this.redisFailed(options));
        limiter = new RateLimiterRedis({
          storeClient: client,
          keyPrefix: redisPrefix,
          points,
          duration,
          rejectIfRedisNotReady: true,
          inMemoryBlockOnConsumed: points + 1,
          insuranceLimiter: insurance,
        });
      } else {
        limiter = new RateLimiterMemory({ keyPrefix: 'ratelimit', points, duration });
      }
      this.limiters.set(key.name, { limiter, insurance, limit: points, windowSeconds: duration });
    }
  }

  /** Whether this key has a budget at all. */
  limits(key: ApiKeyConfig): boolean {
    return this.limiters.has(key.name);
  }

  /**
   * Counts `requests` requests of the key (a batch of N lookups counts N). A batch larger than what is left is refused
   * and spends nothing. Undefined for a key without `rateLimit`.
   * @throws only for a bug: store failures fall back to the insurance limiter
   */
  async consume(key: ApiKeyConfig, requests = 1): Promise<RateLimitDecision | undefined> {
    const entry = this.limiters.get(key.name);
    if (!entry) return undefined;
    // While Redis does not answer, straight to the insurance limiter instead of waiting for a command timeout.
    const skipRedis = entry.insurance !== undefined && this.breaker?.isOpen() === true;
    const limiter = skipRedis && entry.insurance ? entry.insurance : entry.limiter;
    if (requests > 1) {
      // Refused without counting when fewer are left: a refused count would also block the key for the window.
      const current = await limiter.get(key.name).catch(() => null);
      if (current && current.consumedPoints + requests > entry.limit) {
        const state = { ...stateOf(current, entry.limit, entry.windowSeconds), remaining: Math.max(0, entry.limit - current.consumedPoints) };
        return { allowed: false, state, retryAfterSeconds: state.resetSeconds };
      }
    }
    const usesBefore = this.insuranceUses;
    const answered = (): void => {
      if (!skipRedis && this.insuranceUses === usesBefore) this.breaker?.success();
    };
    try {
      const res = await limiter.consume(key.name, requests);
      answered();
      return { allowed: true, state: stateOf(res, entry.limit, entry.windowSeconds) };
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) throw rejection;
      answered();
      const state = stateOf(rejection, entry.limit, entry.windowSeconds);
      return { allowed: false, state: { ...state, remaining: 0 }, retryAfterSeconds: state.resetSeconds };
    }
  }

  /** Closes the Redis connection (politely when it is up, at once otherwise; at most one second). */
  async close(): Promise<void> {
    this.removeProbe?.();
    if (this.client) await quitRedis(this.client);
  }

  private redisFailed(options: KeyRateLimiterOptions): void {
    this.insuranceUses += 1;
    if (!this.breaker?.isOpen()) this.breaker?.failure(new Error('rate limit counter in Redis unavailable'));
    options.onRedisError?.();
    const now = Date.now();
    if (now - this.lastWarnAt < (options.warnEveryMs ?? 10_000)) return;
    this.lastWarnAt = now;
    options.logger?.warn({}, 'Rate limit counters in Redis unavailable; counting per instance until Redis is back');
  }
}

/**
 * Builds the limiter. With `redis` and at least one limited key, opens its own Redis connection (same connection
 * plan as the cache's command connection: bounded commands, no offline queue, reconnects by itself).
 */
export function createKeyRateLimiter(options: KeyRateLimiterOptions): KeyRateLimiter {
  const anyLimited = options.apiKeys.some((key) => key.rateLimit !== undefined);
  if (!options.redis || !anyLimited) return new KeyRateLimiter({ ...options, redis: undefined });
  const client = createRedisClient(planRedisClient(options.redis, 'command'));
  // Without an 'error' listener, ioredis errors would crash the process; failures are reported per request instead.
  client.on('error', () => undefined);
  return new KeyRateLimiter({ ...options, breaker: options.breaker ?? redisBreakerFor(options.redis) }, client);
}
