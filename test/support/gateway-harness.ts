import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';

import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { type FakeHandler, type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { createGatewayApp } from '../../src/bootstrap.js';
import { loadConfig } from '../../src/config/config.loader.js';
import type { GatewayConfig } from '../../src/config/config.types.js';
import { createLogger } from '../../src/logger.js';
import { ADAPTER_KINDS, validateKindOptions } from '../../src/sources/source-registry.js';
import { type ObservedResponse, ResponseValidator } from './openapi-validator.js';
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

/** The document of each running harness gateway, by origin: every answer its e2e specs receive is checked against it. */
const validators = new Map<string, ResponseValidator>();

/**
 * Throws when a response of a harness gateway departs from the gateway's own OpenAPI document (status, content type,
 * body schema). Responses of other servers pass unchecked.
 */
export function checkResponse(origin: string, response: ObservedResponse): void {
  const validator = validators.get(new URL(origin).origin);
  if (!validator) return;
  const problems = validator.problems(response);
  if (problems.length > 0) throw new Error(`response does not match the OpenAPI document:\n${problems.join('\n')}`);
}

export interface RequestInit {
  method?: string;
  body?: string;
}

export async function request(url: string, headers: Record<string, string> = {}, init: RequestInit = {}): Promise<HttpAnswer> {
  const method = init.method ?? 'GET';
  const response = await fetch(url, { method, headers, body: init.body });
  const text = await response.text();
  // The target as fetch sent it (it resolves dot-segments itself).
  const { origin, pathname, search } = new URL(url);
  checkResponse(origin, { method, target: pathname + search, status: response.status, contentType: response.headers.get('content-type'), text });
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
    config = loadConfig({ path: file, env: { ...options.env, PORT: '0', HOST: '127.0.0.1' }, kinds: ADAPTER_KINDS, validateKindOptions });
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
  // swagger-parser validates the served document, then every response the specs receive is checked against it.
  const document: unknown = await (await fetch(`${url}/docs-json`)).json();
  validators.set(url, await ResponseValidator.of(document));
  return {
    url,
    app,
    config,
    fakes,
    logs,
    get: (p, headers = {}) => request(url + p, { authorization: `Bearer ${TEST_API_KEY}`, ...headers }),
    async close() {
      validators.delete(url);
      await app.close();
      await Promise.all(Object.values(fakes).map((f) => f.close()));
    },
  };
}
