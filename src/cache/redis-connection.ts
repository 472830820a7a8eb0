import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';

import type { RedisConfig } from '../config/config.types.js';

/** Longest pause between two reconnection attempts. */
export const MAX_RECONNECT_DELAY_MS = 1_000;

/** Capped exponential backoff; never gives up, so the gateway reconnects by itself after an outage. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(MAX_RECONNECT_DELAY_MS, 50 * 2 ** Math.min(Math.max(attempt - 1, 0), 10));
}

/**
 * `command`: the connection for reads and writes. Every command is bounded by `commandTimeoutMs` and fails at
 * once while disconnected (no offline queue), so a dead Redis costs a request nothing but a skipped step.
 * `subscriber`: the pub/sub connection. Its SUBSCRIBE may wait for a connection, and ioredis re-subscribes on
 * every reconnect.
 */
export type RedisRole = 'command' | 'subscriber';

export type RedisClientPlan =
  | { mode: 'standalone'; url: string; options: RedisOptions }
  | { mode: 'sentinel'; options: RedisOptions }
  | { mode: 'cluster'; nodes: { host: string; port: number }[]; options: ClusterOptions };

/** Decides how to connect (standalone URL, sentinel or cluster) and with which ioredis options. */
export function planRedisClient(config: RedisConfig, role: RedisRole): RedisClientPlan {
  const connectTimeout = Math.max(1_000, config.commandTimeoutMs);
  const common: RedisOptions = {
    connectTimeout,
    // How long a closing connection may linger before its socket is destroyed (ioredis waits 2 s by default).
    disconnectTimeout: 500,
    retryStrategy: reconnectDelayMs,
    lazyConnect: false,
    ...(role === 'command'
      ? { commandTimeout: config.commandTimeoutMs, enableOfflineQueue: false, maxRetriesPerRequest: 0 }
      : { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true }),
  };
  if (config.cluster) {
    return {
      mode: 'cluster',
      nodes: config.cluster.nodes.map(({ host, port }) => ({ host, port })),
      options: {
        redisOptions: common,
        clusterRetryStrategy: reconnectDelayMs,
        enableOfflineQueue: role === 'subscriber',
        lazyConnect: false,
      },
    };
  }
  if (config.sentinel) {
    return {
      mode: 'sentinel',
      options: {
        ...common,
        name: config.sentinel.name,
        sentinels: config.sentinel.nodes.map(({ host, port }) => ({ host, port })),
        sentinelRetryStrategy: reconnectDelayMs,
      },
    };
  }
  return { mode: 'standalone', url: config.url, options: common };
}

/** Creates the client of a plan; it starts connecting at once (not awaited). */
export function createRedisClient(plan: RedisClientPlan): Redis | Cluster {
  switch (plan.mode) {
    case 'cluster':
      return new Cluster(plan.nodes, plan.options);
    case 'sentinel':
      return new Redis(plan.options);
    case 'standalone':
      return new Redis(plan.url, plan.options);
  }
}

/** Closes a connection politely when it is up, at once otherwise; never waits more than a second. */
export async function quitRedis(client: Redis | Cluster): Promise<void> {
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
