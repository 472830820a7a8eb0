// Starting a private Redis master, an optional replica and one Sentinel watching them, for tests.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { freePort, startRedis, waitForPort } from './redis-server.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function redisCli(port, args) {
  return new Promise((resolve) => {
    execFile('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 2_000 }, (error, stdout) => resolve(error ? '' : String(stdout)));
  });
}

/**
 * Starts a master (and, with `replica`, one replica of it) and a Sentinel monitoring it as `name`, all on free
 * loopback ports; resolves once the Sentinel names the master.
 * @param {{ name?: string, replica?: boolean, downAfterMs?: number }} [options]
 */
export async function startRedisSentinel(options = {}) {
  const name = options.name ?? 'pgw-master';
  const dir = mkdtempSync(path.join(tmpdir(), 'pgw-sentinel-'));
  const master = await startRedis();
  const replica = options.replica ? await startRedis(undefined, ['--replicaof', '127.0.0.1', String(master.port)]) : undefined;
  const port = await freePort();
  const file = path.join(dir, 'sentinel.conf');
  writeFileSync(
    file,
    [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${master.port} 1`,
      `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
      `sentinel failover-timeout ${name} 10000`,
      '',
    ].join('\n'),
  );
  const child = spawn('redis-server', [file, '--sentinel'], { stdio: 'ignore' });
  const stopChild = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  const stopAll = async () => {
    await Promise.all([stopChild(), master.stop(), replica?.stop()]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, Date.now() + 10_000, 'redis-sentinel');
  } catch (error) {
    await stopAll();
    throw error;
  }

  const sentinel = {
    name,
    nodes: [{ host: '127.0.0.1', port }],
    master,
    replica,
    /** The port the Sentinel currently names as master (0 when it names none). */
    async masterPort() {
      const answer = await redisCli(port, ['sentinel', 'get-master-addr-by-name', name]);
      return Number(answer.trim().split('\n')[1] ?? 0);
    },
    /** Resolves once the Sentinel names `expectedPort` as master. */
    async waitForMaster(expectedPort, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await sentinel.masterPort()) !== expectedPort) {
        if (Date.now() > deadline) throw new Error(`Sentinel did not name port ${expectedPort} as master in time`);
        await sleep(50);
      }
    },
    stop: stopAll,
  };
  await sentinel.waitForMaster(master.port);
  if (replica) {
    // The Sentinel must know the replica before it can promote it.
    const deadline = Date.now() + 20_000;
    while (!(await redisCli(port, ['sentinel', 'replicas', name])).includes(String(replica.port))) {
      if (Date.now() > deadline) throw new Error('Sentinel did not discover the replica in time');
      await sleep(100);
    }
  }
  return sentinel;
}
