/** The cache module's public surface: the orchestrator, its factory and the types callers use. */
import type { ProfileCacheOptions } from './cache-types.js';
import { connectRedisTier } from './connect-redis-tier.js';
import { ProfileCache } from './profile-cache.js';
import type { InvalidationMessage, RedisOperation } from './shared-tier.js';

export type { CachedProfile } from './cache-entry.js';
export type { CacheOutcome, ServedOutcome } from './cache-outcome.js';
export type {
  CacheAnswer,
  CacheFacts,
  CacheHealth,
  CacheLookup,
  CacheObserver,
  CacheTracer,
  FetchBudget,
} from './cache-types.js';
export { CachedNotFoundError } from './cache-types.js';
export type { CacheClock } from './clock.js';
export type { PurgeReach } from './entry-store.js';
export type { CacheDirectives } from './freshness-decision.js';
export { ProfileCache } from './profile-cache.js';
export type { RedisOperation, SharedTier } from './shared-tier.js';

/**
 * Builds the cache. With `redis`, connects at once without waiting (the cache is `degraded` until Redis is up) and
 * subscribes to the invalidation channel on a second connection.
 */
export function createProfileCache(options: ProfileCacheOptions): ProfileCache {
  const cache = new ProfileCache(options);
  if (!options.redis) return cache;
  const hooks = { onError: (op: RedisOperation) => options.observer?.onRedisError(op), onInvalidation: (message: InvalidationMessage) => cache.onInvalidation(message) };
  cache.attachRedis(connectRedisTier(options.redis, { ...hooks, ...(options.logger ? { logger: options.logger } : {}) }));
  return cache;
}
