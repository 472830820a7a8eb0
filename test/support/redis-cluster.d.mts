export interface RedisClusterProcess {
  /** Every master, as `cache.redis.cluster.nodes` takes them. */
  nodes: { host: string; port: number }[];
  /** Temporary directory of the nodes' configuration files (removed by `stop`). */
  dir: string;
  /** Resolves once every running node reports `cluster_state:<state>` (default `ok`). */
  waitForState(state?: string, timeoutMs?: number): Promise<void>;
  /** Stops one node; its configuration file stays so it can rejoin. */
  stopNode(index: number): Promise<void>;
  /** Starts a stopped node again on the same port with the same configuration file. */
  startNode(index: number): Promise<void>;
  stop(): Promise<void>;
}

export function startRedisCluster(options?: { masters?: number; nodeTimeoutMs?: number }): Promise<RedisClusterProcess>;
