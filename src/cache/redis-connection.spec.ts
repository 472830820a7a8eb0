import { MAX_RECONNECT_DELAY_MS, planRedisClient, reconnectDelayMs } from './redis-connection.js';

const base = { keyPrefix: 'pgw', commandTimeoutMs: 250 };

describe('planRedisClient', () => {
  it('should bound every command and disable the offline queue for the command connection', () => {
    const plan = planRedisClient({ ...base, url: 'redis://127.0.0.1:6379/2' }, 'command');

    expect(plan).toMatchObject({
      mode: 'standalone',
      url: 'redis://127.0.0.1:6379/2',
      options: { commandTimeout: 250, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 1_000, disconnectTimeout: 500, lazyConnect: false },
    });
    expect(plan.mode === 'standalone' && plan.options.retryStrategy?.(1000)).toBe(MAX_RECONNECT_DELAY_MS);
  });

  it('should let the subscriber queue its SUBSCRIBE until connected and re-subscribe on reconnect', () => {
    const plan = planRedisClient({ ...base, url: 'redis://127.0.0.1:6379' }, 'subscriber');

    expect(plan.options).toMatchObject({ enableOfflineQueue: true, autoResubscribe: true });
    expect(plan.options).not.toHaveProperty('commandTimeout');
  });

  it('should use a longer connect timeout when commands may take longer than a second', () => {
    const plan = planRedisClient({ ...base, commandTimeoutMs: 3_000, url: 'redis://127.0.0.1' }, 'command');

    expect(plan.options).toMatchObject({ connectTimeout: 3_000 });
  });

  it('should build a cluster plan from the configured nodes', () => {
    const plan = planRedisClient({ ...base, cluster: { nodes: [{ host: '10.0.0.1', port: 7000 }, { host: '10.0.0.2', port: 7001 }] } }, 'command');

    expect(plan).toMatchObject({
      mode: 'cluster',
      nodes: [
        { host: '10.0.0.1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
      ],
      options: { enableOfflineQueue: false, redisOptions: { commandTimeout: 250, enableOfflineQueue: false } },
    });
  });

  it('should let the cluster subscriber queue its SUBSCRIBE and keep retrying the cluster, never giving up', () => {
    const plan = planRedisClient({ ...base, cluster: { nodes: [{ host: '10.0.0.1', port: 7000 }] } }, 'subscriber');

    expect(plan).toMatchObject({ mode: 'cluster', options: { enableOfflineQueue: true, redisOptions: { enableOfflineQueue: true, autoResubscribe: true } } });
    expect(plan.mode === 'cluster' && plan.options.redisOptions).not.toHaveProperty('commandTimeout');
    expect(plan.mode === 'cluster' && plan.options.clusterRetryStrategy?.(1_000, new Error('down'))).toBe(MAX_RECONNECT_DELAY_MS);
  });

  it('should build a sentinel plan with the master name and sentinels', () => {
    const plan = planRedisClient({ ...base, sentinel: { name: 'mymaster', nodes: [{ host: 'sentinel-1', port: 26379 }] } }, 'command');

    expect(plan).toMatchObject({
      mode: 'sentinel',
      options: { name: 'mymaster', sentinels: [{ host: 'sentinel-1', port: 26379 }], commandTimeout: 250 },
    });
  });
});

describe('reconnectDelayMs', () => {
  it('should back off exponentially and cap the delay, never giving up', () => {
    expect([1, 2, 3, 4, 5, 6, 100].map(reconnectDelayMs)).toEqual([50, 100, 200, 400, 800, 1_000, 1_000]);
  });
});
