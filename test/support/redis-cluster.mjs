// Starting a private Redis Cluster (masters only) from redis-server processes for tests.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort, startRedis } from './redis-server.mjs';

function redisCli(args, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', args, { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
      else resolve(String(stdout));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `cluster_state` of one node (`ok`, `fail`), or `down` when it does not answer. */
async function clusterState(port) {
  try {
    const info = await redisCli(['-h', '127.0.0.1', '-p', String(port), 'cluster', 'info'], 2_000);
    return /cluster_state:(\w+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return 'down';
  }
}

/**
 * Starts a Redis Cluster of `masters` masters (no replicas) on free loopback ports in a temporary directory and
 * waits until every node reports `cluster_state:ok`. Nodes can be stopped and started again on the same ports with
 * the same cluster configuration files, so a restarted node rejoins with its slots.
 * @param {{ masters?: number, nodeTimeoutMs?: number }} [options]
 */
export async function startRedisCluster(options = {}) {
  const masters = options.masters ?? 3;
  const nodeTimeoutMs = options.nodeTimeoutMs ?? 2_000;
  const dir = mkdtempSync(path.join(tmpdir(), 'pgw-cluster-'));
  const specs = [];
  for (let i = 0; i < masters; i += 1) {
    // The cluster bus port is chosen too: the default (port + 10000) may be above 65535 or taken.
    specs.push({ port: await freePort(), busPort: await freePort() });
  }
  const argsOf = ({ port, busPort }) => [
    '--cluster-enabled',
    'yes',
    '--cluster-config-file',
    path.join(dir, `nodes-${port}.conf`),
    '--cluster-port',
    String(busPort),
    '--cluster-node-timeout',
    String(nodeTimeoutMs),
    '--dir',
    dir,
  ];
  /** @type {(import('./redis-server.mjs').RedisProcess | undefined)[]} */
  const processes = [];
  try {
    for (const spec of specs) processes.push(await startRedis(spec.port, argsOf(spec)));
    await redisCli(['--cluster', 'create', ...specs.map(({ port }) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes'], 30_000);
  } catch (error) {
    await Promise.all(processes.map((p) => p?.stop()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }

  const running = () => specs.filter((_, i) => processes[i] !== undefined);
  const cluster = {
    nodes: specs.map(({ port }) => ({ host: '127.0.0.1', port })),
    dir,
    /** Resolves once every running node reports `cluster_state:<state>`. */
    async waitForState(state = 'ok', timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const states = await Promise.all(running().map(({ port }) => clusterState(port)));
        if (states.every((s) => s === state)) return;
        if (Date.now() > deadline) throw new Error(`Redis Cluster did not reach cluster_state:${state} in time (nodes: ${states.join(', ')})`);
        await sleep(50);
      }
    },
    /** Stops node `index` (SIGTERM); its configuration file stays. */
    async stopNode(index) {
      const node = processes[index];
      processes[index] = undefined;
      await node?.stop();
    },
    /** Starts node `index` again on its port with its configuration file (it rejoins with its slots). */
    async startNode(index) {
      const spec = specs[index];
      if (!spec) throw new Error(`no cluster node ${index}`);
      if (processes[index]) return;
      processes[index] = await startRedis(spec.port, argsOf(spec));
    },
    async stop() {
      await Promise.all(processes.map((p) => p?.stop()));
      processes.length = 0;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.waitForState('ok');
  return cluster;
}
