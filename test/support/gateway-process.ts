import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

import { freePort } from './redis-server.mjs';

/** The built gateway (`npm run build`). */
export const GATEWAY_MAIN = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Most output kept per stream and process. */
const KEEP_CHARS = 16_384;

export interface GatewayProcess {
  readonly name: string;
  readonly url: string;
  readonly child: ChildProcess;
  /** What the process wrote to stderr so far (the last 16 KiB). */
  stderr(): string;
  /** What the process wrote to stdout so far (its JSON log lines; the last 16 KiB). */
  stdout(): string;
  /** Exit code or signal once the process ended; undefined while it runs. */
  exit(): string | undefined;
  /** The process's stderr, exit and last log lines, for a failure message. */
  describe(): string;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

export interface GatewayProcessOptions {
  /** Shown in failure messages. */
  name: string;
  /** The YAML configuration file (`GATEWAY_CONFIG`). */
  configFile: string;
  env?: Record<string, string>;
  /** Loopback port to listen on; a free one when absent. */
  port?: number;
  startTimeoutMs?: number;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function tail(text: string): string {
  return text.length > KEEP_CHARS ? text.slice(-KEEP_CHARS) : text;
}

/**
 * Starts `node dist/main.js` on a free loopback port and resolves once it accepts connections. Rejects with the
 * process's stderr and log lines when it exits first or does not listen in time.
 */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<GatewayProcess> {
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: run \`npm run build\` first`);
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, [GATEWAY_MAIN], {
    env: { ...process.env, ...options.env, GATEWAY_CONFIG: options.configFile, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exit: string | undefined;
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout = tail(stdout + chunk)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr = tail(stderr + chunk)));
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
  });

  const gateway: GatewayProcess = {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    child,
    stderr: () => stderr,
    stdout: () => stdout,
    exit: () => exit,
    describe: () => {
      const logs = stdout.trim().split('\n').slice(-20).join('\n');
      return [
        `gateway ${options.name} (${exit === undefined ? 'running' : `exited with ${exit}`})`,
        `stderr: ${stderr.trim() === '' ? '(empty)' : stderr.trim()}`,
        `last log lines:\n${logs === '' ? '(none)' : logs}`,
      ].join('\n');
    },
    stop: async (graceMs = 5_000) => {
      if (exit !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };

  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    if (exit !== undefined) throw new Error(`the gateway exited before listening\n${gateway.describe()}`);
    if (await canConnect(port)) return gateway;
    if (Date.now() > deadline) {
      await gateway.stop(1_000);
      throw new Error(`the gateway did not listen on port ${port} in time\n${gateway.describe()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
