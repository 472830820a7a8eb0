import { randomUUID } from 'node:crypto';

import type { RedisConfig } from '../config/config.types.js';
import { invalidationChannel } from './cache-keys.js';
import { redisBreakerFor } from './redis-breaker.js';
import { createRedisClient, planRedisClient } from './redis-connection.js';
import { RedisTier, type RedisTierLogger } from './redis-tier.js';
import type { InvalidationMessage, RedisOperation, SharedTier } from './shared-tier.js';

export interface RedisTierHooks {
  logger?: RedisTierLogger;
  onError: (op: RedisOperation) => void;
  onInvalidation: (message: InvalidationMessage) => void;
}

/**
 * The shared tier on Redis: a command connection and a subscriber connection to the invalidation channel, connecting
 * at once without waiting. Its commands go through the breaker of this Redis configuration, shared with the caller
 * rate limiter (`redisBreakerFor`), so a Redis that stops answering is skipped instead of waited on.
 */
export function connectRedisTier(redis: RedisConfig, hooks: RedisTierHooks): SharedTier {
  return new RedisTier({
    command: createRedisClient(planRedisClient(redis, 'command')),
    subscriber: createRedisClient(planRedisClient(redis, 'subscriber')),
    channel: invalidationChannel(redis.keyPrefix),
    instanceId: randomUUID(),
    ...(hooks.logger ? { logger: hooks.logger } : {}),
    onError: hooks.onError,
    onInvalidation: hooks.onInvalidation,
    breaker: redisBreakerFor(redis, hooks.logger ? { logger: hooks.logger } : {}),
  });
}
