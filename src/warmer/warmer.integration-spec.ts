import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';

import { HttpService } from '@nestjs/axios';
import axios from 'axios';

import { type FakeHandler, type FakeRequest, type FakeResponse, type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { orgDirectoryFake } from '../../sandbox/kinds/org-directory/org-directory.fake.js';
import { ORG_DIRECTORY_SANDBOX_TOKEN, orgDirectorySandboxData } from '../../sandbox/kinds/org-directory/org-directory.sandbox.js';
import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { type RedisProcess, startRedis } from '../../test/support/redis-server.mjs';
import { tempDir } from '../../test/support/temp-dirs.js';
import { sleep } from '../../test/support/wait.js';
import { ProfilesService } from '../api/profiles.service.js';
import { profileOf } from '../cache/cache-entry.js';
import { createProfileCache, type ProfileCache } from '../cache/index.js';
import { loadConfig } from '../config/config.loader.js';
import { ProfileNotFoundError } from '../profiles/profile.errors.js';
import type { JsonObject } from '../profiles/profile.model.js';
import { ADAPTER_KINDS, SourceRegistry, validateKindOptions } from '../sources/source-registry.js';
import { type CommandIo, runWarmCommand } from './warm-command.js';

const REDIS_URL = process.env.REDIS_URL as string;
const ROOT = path.resolve(import.meta.dirname, '../..');

let prefixCounter = 0;
const fakes: FakeUpstream[] = [];
const caches: ProfileCache[] = [];
const registries: SourceRegistry[] = [];

function uniquePrefix(): string {
  prefixCounter += 1;
  return `warm-${process.pid}-${Date.now().toString(36)}-${prefixCounter}`;
}

function tempFile(name: string, text: string): string {
  const file = path.join(tempDir('pgw-warm-'), name);
  writeFileSync(file, text);
  return file;
}

/** Org-directory users 4 and 17 of the sandbox, plus users 100 to 100 + extra - 1. */
function orgUsers(extra = 0): JsonObject[] {
  const base = orgDirectorySandboxData.users;
  return [...base, ...Array.from({ length: extra }, (_, i) => ({ ...base[1]!, id: 100 + i }))];
}

interface Seen {
  at: number;
  request: FakeRequest;
  status: number;
  headers: Record<string, string>;
}

/** A fake upstream that also records when each request was answered and how many were in flight at most. */
async function instrumentedFake(handler: FakeHandler, latencyMs = 0) {
  const seen: Seen[] = [];
  let answered = 0;
  let maxInFlight = 0;
  const holder: { fake?: FakeUpstream } = {};
  const fake = await startFakeUpstream((request) => {
    // With a latency the handler runs when the answer is due: requests received and not yet answered are in flight.
    maxInFlight = Math.max(maxInFlight, holder.fake!.calls.length - answered);
    answered += 1;
    const response: FakeResponse = handler(request);
    seen.push({ at: Date.now(), request, status: response.status, headers: response.headers ?? {} });
    return response;
  });
  holder.fake = fake;
  fake.setLatency(latencyMs);
  fakes.push(fake);
  return { fake, seen, maxInFlight: () => maxInFlight };
}

function orgConfig(fake: FakeUpstream, keyPrefix: string, sourceExtra = '', redisUrl = REDIS_URL): string {
  return tempFile(
    'gateway.yaml',
    `log:
  level: warn
auth:
  disabled: true
cache:
  redis:
    url: ${redisUrl}
    keyPrefix: ${keyPrefix}
sources:
  directory:
    kind: org-directory
    baseUrl: ${fake.url}
    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}
${sourceExtra}`,
  );
}

function commandIo(configFile: string, extra: Partial<CommandIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CommandIo = {
    env: { GATEWAY_CONFIG: configFile },
    stdin: Readable.from([]),
    stdout: { write: (text: string) => out.push(text) },
    stderr: { isTTY: false, write: (text: string) => err.push(text) },
    ...extra,
  };
  return { io, stdout: () => out.join(''), stderr: () => err.join('') };
}

/** Another gateway instance on the same Redis: its own registry, cache and service, reading with directive `default`. */
async function secondInstance(configFile: string): Promise<ProfilesService> {
  const config = loadConfig({ path: configFile, env: {}, kinds: ADAPTER_KINDS, validateKindOptions });
  const cache = createProfileCache({ redis: config.cache.redis, memory: config.cache.memory });
  caches.push(cache);
  const registry = SourceRegistry.fromConfig(config, { httpService: new HttpService(axios.create()), onInvalidOptionalTimestamp: () => undefined });
  registries.push(registry);
  const deadline = Date.now() + 5_000;
  while (cache.status() !== 'up') {
    if (Date.now() > deadline) throw new Error('Redis did not connect');
    await sleep(10);
  }
  return new ProfilesService(registry, cache);
}

const read = (profiles: ProfilesService, id: string) => profiles.getProfile({ source: 'directory', id, by: 'id', directives: {}, requestId: 'check' });

afterEach(async () => {
  for (const registry of registries.splice(0)) registry.close();
  await Promise.all(caches.splice(0).map((cache) => cache.close()));
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

describe('warm command against fake upstreams and Redis', () => {
  it('should store every listed profile in Redis so another instance answers it as a hit without calling the upstream', async () => {
    const { fake } = await instrumentedFake(orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers() }));
    const config = orgConfig(fake, uniquePrefix());
    const ids = tempFile('ids.txt', '# directory users\n4\n\n 17 \n404\n4\n');
    const { io, stdout } = commandIo(config);

    const code = await runWarmCommand(['--source', 'directory', '--ids', ids, '--json'], io);

    expect(code).toBe(0);
    const result = JSON.parse(stdout());
    expect(result.counts).toEqual({ total: 3, refreshed: 2, notFound: 1, failed: 0, skipped: 0, notAttempted: 0, duplicates: 1, cacheWriteFailures: 0 });
    expect(result.exitCode).toBe(0);
    expect(fake.calls.map((c) => c.rawPath).sort()).toEqual(['/v2/users/17', '/v2/users/4', '/v2/users/404']);

    const other = await secondInstance(config);
    const hits = [await read(other, '4'), await read(other, '17')];
    await expect(read(other, '404')).rejects.toBeInstanceOf(ProfileNotFoundError);

    expect(hits.map((h) => h.outcome.kind)).toEqual(['hit', 'hit']);
    expect(profileOf(hits[1]!.entry).email).toBe('jan.jansen@example.nl');
    expect(fake.calls).toHaveLength(3);
  });

  describe('on a Redis that refuses writes', () => {
    let fullRedis: RedisProcess;

    beforeAll(async () => {
      // Out of memory with no eviction: reads and subscriptions work, every write is refused.
      fullRedis = await startRedis(undefined, ['--maxmemory', '1', '--maxmemory-policy', 'noeviction']);
    });

    afterAll(async () => {
      await fullRedis.stop();
    });

    it('should count the refused cache writes and exit 2 although every profile was fetched', async () => {
      const { fake } = await instrumentedFake(orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers() }));
      const config = orgConfig(fake, uniquePrefix(), '', fullRedis.url);
      const { io, stdout } = commandIo(config, { stdin: Readable.from(['4\n17\n']) });

      const code = await runWarmCommand(['--source', 'directory', '--ids', '-', '--json'], io);

      const result = JSON.parse(stdout());
      expect(result.counts).toMatchObject({ total: 2, refreshed: 2, failed: 0 });
      expect(result.counts.cacheWriteFailures).toBeGreaterThanOrEqual(2);
      expect(code).toBe(2);
      expect(result.exitCode).toBe(2);
    });
  });

  it('should exit 2 and list the failed ids with their codes, never calling the upstream for an invalid id', async () => {
    const org = orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers() });
    const { fake } = await instrumentedFake((request) => (request.segments[2] === '13' ? { status: 500, body: { error: 'boom' } } : org(request)));
    const config = orgConfig(fake, uniquePrefix(), '    retries: 0\n');
    const { io, stdout } = commandIo(config, { stdin: Readable.from(['4\nnot-a-number\n13\n']) });

    const code = await runWarmCommand(['--source', 'directory', '--ids', '-'], io);

    expect(code).toBe(2);
    expect(stdout()).toContain('refreshed 1, not found 0, failed 2, skipped 0 of 3 ids');
    expect(stdout()).toMatch(/^ {2}not-a-number {2}VALIDATION_ERROR /m);
    expect(stdout()).toMatch(/^ {2}13 {2}UPSTREAM_ERROR /m);
    expect(fake.calls.map((c) => c.rawPath).sort()).toEqual(['/v2/users/13', '/v2/users/4']);
  });

  it('should never have more requests in flight at the upstream than the source maxConcurrency, saying it capped --concurrency', async () => {
    const { fake, maxInFlight } = await instrumentedFake(orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers(30) }), 30);
    const config = orgConfig(fake, uniquePrefix(), '    maxConcurrency: 5\n');
    const ids = Array.from({ length: 30 }, (_, i) => String(100 + i)).join('\n');
    const { io, stdout, stderr } = commandIo(config, { stdin: Readable.from([ids]) });

    const code = await runWarmCommand(['--source', 'directory', '--ids', '-', '--concurrency', '12', '--json'], io);

    expect(code).toBe(0);
    expect(JSON.parse(stdout()).counts.refreshed).toBe(30);
    expect(stderr()).toContain('warm: --concurrency 12 is above the maxConcurrency of source directory: using 5');
    expect(fake.calls).toHaveLength(30);
    expect(maxInFlight()).toBeLessThanOrEqual(5);
    expect(maxInFlight()).toBeGreaterThanOrEqual(2);
  });

  it('should keep to a --concurrency below the source maxConcurrency', async () => {
    const { fake, maxInFlight } = await instrumentedFake(orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers(12) }), 20);
    const config = orgConfig(fake, uniquePrefix());
    const { io } = commandIo(config, { stdin: Readable.from([Array.from({ length: 12 }, (_, i) => String(100 + i)).join('\n')]) });

    const code = await runWarmCommand(['--source', 'directory', '--ids', '-', '--concurrency', '2'], io);

    expect(code).toBe(0);
    expect(maxInFlight()).toBe(2);
  });

  it('should skip ids that are fresh in the cache with --only-missing and refresh the others', async () => {
    const { fake } = await instrumentedFake(orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers() }));
    const config = orgConfig(fake, uniquePrefix());
    await runWarmCommand(['--source', 'directory', '--ids', '-'], commandIo(config, { stdin: Readable.from(['4\n']) }).io);
    fake.reset();
    const { io, stdout } = commandIo(config, { stdin: Readable.from(['4\n17\n']) });

    const code = await runWarmCommand(['--source', 'directory', '--ids', '-', '--only-missing', '--json'], io);

    expect(code).toBe(0);
    expect(JSON.parse(stdout()).counts).toMatchObject({ total: 2, skipped: 1, refreshed: 1 });
    expect(fake.calls.map((c) => c.rawPath)).toEqual(['/v2/users/17']);
  });

  it('should pause for a 429 with Retry-After and then refresh every id instead of failing them', async () => {
    const org = orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers(6) });
    let requests = 0;
    const { fake, seen } = await instrumentedFake((request) => {
      requests += 1;
      if (requests <= 2) return { status: 429, headers: { 'retry-after': '1' }, body: { error: 'Too Many Requests' } };
      return org(request);
    });
    const config = orgConfig(fake, uniquePrefix(), '    retries: 0\n');
    const { io, stdout, stderr } = commandIo(config, { stdin: Readable.from([Array.from({ length: 6 }, (_, i) => String(100 + i)).join('\n')]) });

    const code = await runWarmCommand(['--source', 'directory', '--ids', '-', '--concurrency', '2', '--json'], io);

    expect(code).toBe(0);
    const result = JSON.parse(stdout());
    expect(result.counts).toMatchObject({ refreshed: 6, failed: 0 });
    expect(stderr()).toMatch(/warm: upstream rate limit of source directory: pausing until /);
    const lastLimited = Math.max(...seen.filter((s) => s.status === 429).map((s) => s.at));
    const afterwards = seen.filter((s) => s.status === 200);
    expect(afterwards).toHaveLength(6);
    for (const s of afterwards) expect(s.at).toBeGreaterThanOrEqual(lastLimited + 990);
  });

  it("should wait for vemetric's announced X-RateLimit-Reset instead of failing ids when its window is spent", async () => {
    const users = Array.from({ length: 5 }, (_, i) => ({ ...vemetricSandboxData.users[0]!, id: String(1001 + i), identifier: `user-${i}` }));
    let requests = 0;
    // The first request opens a fixed window that ends 2 to 3 s later (instead of 60 s), as if it had started earlier.
    const vemetric = vemetricFake({ tokens: [VEMETRIC_SANDBOX_TOKEN], users, rateLimit: 3, now: () => (requests <= 1 ? Date.now() - 58_000 : Date.now()) });
    const { fake, seen } = await instrumentedFake((request) => {
      requests += 1;
      return vemetric(request);
    });
    const config = tempFile(
      'gateway.yaml',
      `log:\n  level: warn\nauth:\n  disabled: true\ncache:\n  redis:\n    url: ${REDIS_URL}\n    keyPrefix: ${uniquePrefix()}\nsources:\n  analytics:\n    kind: vemetric\n    baseUrl: ${fake.url}\n    token: ${VEMETRIC_SANDBOX_TOKEN}\n    retries: 0\n`,
    );
    const { io, stdout, stderr } = commandIo(config, { stdin: Readable.from([users.map((u) => u.id).join('\n')]) });

    const code = await runWarmCommand(['--source', 'analytics', '--ids', '-', '--concurrency', '2', '--json'], io);

    expect(code).toBe(0);
    expect(JSON.parse(stdout()).counts).toMatchObject({ total: 5, refreshed: 5, failed: 0 });
    expect(stderr()).toMatch(/pausing until/);
    const spent = seen.find((s) => s.headers['x-ratelimit-remaining'] === '0')!;
    const resetMs = Number(spent.headers['x-ratelimit-reset']) * 1_000;
    expect(seen.filter((s) => s.status === 429).length).toBeLessThanOrEqual(2);
    const ok = seen.filter((s) => s.status === 200);
    expect(ok).toHaveLength(5);
    expect(ok.filter((s) => s.at >= resetMs)).toHaveLength(2);
  }, 20_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ])('should stop starting ids on %s, print the summary so far and exit %i', async (signal, exitCode) => {
    const stop = new AbortController();
    const org = orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers(20) });
    let requests = 0;
    const { fake } = await instrumentedFake((request) => {
      requests += 1;
      if (requests === 3) stop.abort(signal);
      return org(request);
    });
    const config = orgConfig(fake, uniquePrefix());
    const { io, stdout, stderr } = commandIo(config, { stdin: Readable.from([Array.from({ length: 20 }, (_, i) => String(100 + i)).join('\n')]), signal: stop.signal });

    const code = await runWarmCommand(['--source', 'directory', '--ids', '-', '--concurrency', '2', '--json'], io);

    expect(code).toBe(exitCode);
    const result = JSON.parse(stdout());
    expect(result.interrupted).toBe(true);
    expect(result.exitCode).toBe(exitCode);
    expect(result.counts.refreshed + result.counts.notAttempted).toBe(20);
    expect(result.counts.notAttempted).toBeGreaterThanOrEqual(17);
    expect(stderr()).toContain('warm: interrupted: starting no more ids');
    await sleep(100);
    expect(fake.calls).toHaveLength(3);
  });
});

describe('node dist/cli.js warm', () => {
  beforeAll(() => {
    if (existsSync(path.join(ROOT, 'dist/cli.js'))) return;
    spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: 'ignore' });
  }, 120_000);

  /** Asynchronous (not spawnSync): the fake upstream answers from this process while the command runs. */
  function runCli(args: string[], configFile: string, stdin: string) {
    const child = spawn(process.execPath, ['dist/cli.js', ...args], { cwd: ROOT, env: { PATH: process.env.PATH, GATEWAY_CONFIG: configFile } });
    child.stdin.end(stdin);
    const output = { stdout: '', stderr: '' };
    child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    return { child, output, exited };
  }

  it('should print one JSON object on stdout and exit 2 when an id failed', async () => {
    const { fake } = await instrumentedFake(orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers() }));
    const config = orgConfig(fake, uniquePrefix());

    const { output, exited } = runCli(['warm', '--source', 'directory', '--ids', '-', '--json'], config, '4\n404\nabc\n');
    const code = await exited;
    const { stdout, stderr } = output;

    expect({ code, stderr }).toEqual({ code: 2, stderr: expect.stringContaining('warm directory: 3/3') });
    expect(stdout.trimEnd().split('\n')).toHaveLength(1);
    const result = JSON.parse(stdout);
    expect(result.counts).toMatchObject({ total: 3, refreshed: 1, notFound: 1, failed: 1 });
    expect(result.failures).toEqual([{ id: 'abc', code: 'VALIDATION_ERROR', message: expect.stringContaining('positive integer') }]);
    expect(typeof result.elapsedMs).toBe('number');
    expect(fake.calls).toHaveLength(2);
  }, 30_000);

  it.each([
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const)('should stop on %s, let the ids in flight finish, print the summary so far and exit %i', async (signal, exitCode) => {
    const { fake } = await instrumentedFake(orgDirectoryFake({ tokens: [ORG_DIRECTORY_SANDBOX_TOKEN], users: orgUsers(40) }), 100);
    const config = orgConfig(fake, uniquePrefix());
    const ids = Array.from({ length: 40 }, (_, i) => String(100 + i)).join('\n');

    const { child, output, exited } = runCli(['warm', '--source', 'directory', '--ids', '-', '--concurrency', '2', '--json'], config, ids);
    const deadline = Date.now() + 15_000;
    while (fake.calls.length < 2 && Date.now() < deadline) await sleep(10);
    child.kill(signal);
    const code = await exited;

    expect(code).toBe(exitCode);
    const result = JSON.parse(output.stdout);
    expect(result).toMatchObject({ interrupted: true, exitCode, failures: [] });
    expect(result.counts.refreshed).toBeGreaterThanOrEqual(2);
    expect(result.counts.notAttempted).toBeGreaterThan(0);
    expect(result.counts.refreshed + result.counts.notAttempted).toBe(40);
    expect(fake.calls.length).toBe(result.counts.refreshed);
  }, 30_000);
});
