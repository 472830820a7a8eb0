import type { CachePolicy, RedisConfig } from '../config/config.types.js';
import { ProfileNotFoundError } from '../profiles/profile.errors.js';
import type { FetchedProfile, LookupBy } from '../profiles/profile-source.port.js';
import type { CachedProfile } from './cache-entry.js';
import type { CacheOutcome, ServedOutcome } from './cache-outcome.js';
import type { CacheClock } from './clock.js';
import type { CacheDirectives } from './freshness-decision.js';
import type { RedisOperation } from './shared-tier.js';

/** A lookup's whole time budget when it names none: the default upstream `timeout`. */
export const DEFAULT_BUDGET_MS = 2_000;

export interface ProfileCacheKey {
  source: string;
  by: LookupBy;
  id: string;
}

/** What is left of a lookup's budget when the upstream is called. */
export interface FetchBudget {
  readonly budgetMs: number;
}

export interface CacheLookup {
  key: ProfileCacheKey;
  policy: CachePolicy;
  directives: CacheDirectives;
  /**
   * The lookup's whole time budget (the source's `timeout`), waiting on other requests' calls included: the lookup
   * answers by then, with `UpstreamTimeoutError` (or a stale copy) when nothing came. Defaults to `DEFAULT_BUDGET_MS`.
   */
  budgetMs?: number;
  /**
   * Calls the upstream within `budget.budgetMs`. Rejects with `ProfileNotFoundError` or `UpstreamError` subclasses (or
   * anything else, which is passed through). It may serve other requests for the same key (coalescing) and background
   * refreshes that outlive the request, so it must not be cancelled when this request's caller goes away.
   */
  fetch: (budget: FetchBudget) => Promise<FetchedProfile>;
}

/** What the response headers of an answer are made of. */
export interface CacheFacts {
  outcome: ServedOutcome;
  /** `Age`: whole seconds since the entry was fetched. */
  ageSeconds: number;
  /** `Cache-Control: max-age`: the entry's whole freshness lifetime (`ttl`, or `notFoundTtl` for a 404) in seconds. */
  maxAgeSeconds: number;
}

export interface CacheAnswer extends CacheFacts {
  entry: CachedProfile;
}

/** A 404 answered by the cache: a cached one, or one the upstream just gave and the cache stored. */
export class CachedNotFoundError extends ProfileNotFoundError {
  constructor(
    source: string,
    id: string,
    readonly facts: CacheFacts,
  ) {
    super(source, id);
  }
}

export interface CacheObserver {
  /** One call per answered `get` (including those that end in an error). */
  onOutcome(source: string, outcome: CacheOutcome): void;
  /** A Redis command failed, timed out, or was skipped because Redis is not connected. */
  onRedisError(op: RedisOperation): void;
}

/**
 * Traces the cache's waits on another instance's upstream call (`cache.lease.wait`); the gateway's tracing
 * (src/tracing/) passes one in when it is on. `wait` resolves with how the wait ended (`kind`).
 */
export interface CacheTracer {
  leaseWait<T extends { readonly kind: string }>(wait: () => Promise<T>): Promise<T>;
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
   * The in-process tier: at most `maxItems` entries and `maxBytes` of them (least recently used go first). With Redis, a copy stays at most
   * `ttlMs` (and at most the source's `ttl`) before it is read from Redis again; alone, it stays as long as it is of use.
   */
  memory: { maxItems: number; ttlMs: number; maxBytes?: number };
  observer?: CacheObserver;
  logger?: CacheLogger;
  /** Absent: nothing is traced. */
  tracer?: CacheTracer;
  /** Every timestamp, wait, poll and heartbeat of the cache. Defaults to the system clock. */
  clock?: CacheClock;
}

export type CacheHealth = 'up' | 'degraded' | 'memory-only';
