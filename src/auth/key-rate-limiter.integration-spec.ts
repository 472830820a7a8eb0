import { randomUUID } from 'node:crypto';

import { Redis } from 'ioredis';

import type { ApiKeyConfig, RedisConfig } from '../config/config.types.js';
import { createKeyRateLimiter, type KeyRateLimiter } from './key-rate-limiter.js';

const redisUrl = process.env.REDIS_URL as string;

describe('KeyRateLimiter with Redis', () => {
  let redis: Redis;
  const open: KeyRateLimiter[] = [];

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });

  afterAll(async () => {
    await Promise.all(open.map((limiter) => limiter.close()));
    redis.disconnect();
  });

  function limiter(config: RedisConfig, apiKeys: ApiKeyConfig[]): KeyRateLimiter {
    const created = createKeyRateLimiter({ apiKeys, redis: config });
    open.push(created);
    return created;
  }

  async function whenReady(client: KeyRateLimiter, key: ApiKeyConfig): Promise<void> {
    // The connection is opened without waiting; the first counted request may still go to the insurance limiter.
    for (let i = 0; i < 50; i++) {
      if (await redis.exists(`${prefixOf(key)}`)) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
      await client.consume(key);
    }
  }

  let prefix = '';
  const prefixOf = (key: ApiKeyConfig): string => `${prefix}:ratelimit:${key.name}`;

  beforeEach(() => {
    prefix = `pgw-test-${randomUUID()}`;
  });

  it('should share one budget per key between instances and store it under the key prefix with the window as TTL', async () => {
    const key: ApiKeyConfig = { name: 'warmer', keySha256: '0'.repeat(64), sources: ['*'], rateLimit: { limit: 5, windowMs: 60_000 }, actions: ['read'] };
    const config: RedisConfig = { url: redisUrl, keyPrefix: prefix, commandTimeoutMs: 500 };
    const first = limiter(config, [key]);
    const second = limiter(config, [key]);
    await whenReady(first, key);
    const usedSoFar = Number(await redis.get(prefixOf(key)));

    const answers = [];
    for (let i = usedSoFar; i < 6; i++) answers.push(await (i % 2 === 0 ? first : second).consume(key));

    expect(answers.at(-1)?.allowed).toBe(false);
    expect(answers.slice(0, -1).every((a) => a?.allowed)).toBe(true);
    expect(Number(await redis.get(prefixOf(key)))).toBe(6);
    const ttl = await redis.pttl(prefixOf(key));
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });
});
