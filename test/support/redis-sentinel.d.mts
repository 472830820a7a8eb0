import type { RedisProcess } from './redis-server.mjs';

export interface RedisSentinelProcess {
  /** The monitored master's name (`cache.redis.sentinel.name`). */
  name: string;
  /** The Sentinel, as `cache.redis.sentinel.nodes` takes it. */
  nodes: { host: string; port: number }[];
  master: RedisProcess;
  replica: RedisProcess | undefined;
  /** The port the Sentinel currently names as master (0 when it names none). */
  masterPort(): Promise<number>;
  waitForMaster(expectedPort: number, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export function startRedisSentinel(options?: { name?: string; replica?: boolean; downAfterMs?: number }): Promise<RedisSentinelProcess>;
