import { startRedis } from './redis-server.mjs';

/**
 * Gives every test a real Redis: `REDIS_URL` when set, else a private `redis-server` on a free loopback port.
 * A missing Redis is a failure, never a skip.
 */
export default async function globalSetup() {
  if (process.env.REDIS_URL) return;
  const redis = await startRedis();
  process.env.REDIS_URL = redis.url;
  globalThis.__TEST_REDIS__ = redis;
}
