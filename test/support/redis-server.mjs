// Starting private redis-server processes for tests (plain JS so Jest's globalSetup can load it as is).
import { spawn } from 'node:child_process';
import net from 'node:net';

/** @returns {Promise<number>} a free TCP port on 127.0.0.1 */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Resolves once something accepts connections on the loopback port; rejects after `deadline` (epoch ms).
 * @param {number} port
 * @param {number} deadline
 * @param {string} [what] named in the error
 */
export async function waitForPort(port, deadline, what = 'redis-server') {
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`${what} did not listen on port ${port} in time`);
}

/**
 * Starts `redis-server` (must be on PATH) on a free (or the given) loopback port, persisting nothing.
 * @param {number} [port]
 * @param {string[]} [extraArgs]
 */
export async function startRedis(port, extraArgs = []) {
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', ...extraArgs],
    { stdio: 'ignore' },
  );
  const failed = new Promise((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot start redis-server (is it on PATH?): ${error.message}`)));
    child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
  });
  failed.catch(() => undefined);
  await Promise.race([waitForPort(chosen, Date.now() + 10_000), failed]);
  return {
    url: `redis://127.0.0.1:${chosen}`,
    port: chosen,
    pid: child.pid ?? 0,
    process: child,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
