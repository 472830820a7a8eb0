import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { type FakeHandler, type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { createGatewayApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/config.loader.js';
import type { GatewayConfig } from '../../src/config/config.types.js';
import { createLogger } from '../../src/logger.js';
import { validateKindOptions } from '../../src/sources/source-registry.js';
import { removeTempDir, tempDir } from './temp-dirs.js';

export interface HttpAnswer {
  status: number;
  headers: Headers;
  text: string;
  /** Parsed JSON body (undefined when empty or not JSON). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are asserted structurally in tests
  body: any;
}

export interface Harness {
  url: string;
  app: NestFastifyApplication;
  config: GatewayConfig;
  fakes: Record<string, FakeUpstream>;
  /** Every log line the gateway wrote, as JSON text. */
  logs: string[];
  get(path: string, headers?: Record<string, string>): Promise<HttpAnswer>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** Fake upstreams to start, by name; their URLs are available to `yaml` as `fakes[name].url`. */
  fakes: Record<string, FakeHandler>;
  /** The gateway's YAML configuration, given the started fakes. */
  yaml: (fakes: Record<string, FakeUpstream>) => string;
  env?: Record<string, string>;
}

/** Caller key used by harness configs (`auth.apiKeys[].key`). */
export const TEST_API_KEY = 'test-caller-key-0123456789';

export async function request(url: string, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const response = await fetch(url, { headers });
  const text = await response.text();
  let body: unknown;
  try {
    body = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  return { status: response.status, headers: response.headers, text, body };
}

/**
 * Starts fake upstreams and the real gateway (production Fastify adapter, filter, modules) on a loopback port, with the
 * configuration loaded through the real loader from YAML. Requests cross real sockets.
 */
export async function startHarness(options: HarnessOptions): Promise<Harness> {
  const fakes: Record<string, FakeUpstream> = {};
  for (const [name, handler] of Object.entries(options.fakes)) fakes[name] = await startFakeUpstream(handler);
  const dir = tempDir('pgw-');
  const file = path.join(dir, 'gateway.yaml');
  writeFileSync(file, options.yaml(fakes));
  let config: GatewayConfig;
  try {
    config = loadConfig({ path: file, env: { ...options.env, PORT: '0', HOST: '127.0.0.1' }, validateKindOptions });
  } finally {
    // Read once: the file is not needed any more, whatever happens next.
    removeTempDir(dir);
  }

  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim().length > 0) logs.push(line);
      callback();
    },
  });
  const app = await createGatewayApp(config, createLogger('info', sink));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    app,
    config,
    fakes,
    logs,
    get: (p, headers = {}) => request(url + p, { authorization: `Bearer ${TEST_API_KEY}`, ...headers }),
    async close() {
      await app.close();
      await Promise.all(Object.values(fakes).map((f) => f.close()));
    },
  };
}
