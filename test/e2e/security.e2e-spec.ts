import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Redis } from 'ioredis';
import { type Item, parseList } from 'structured-headers';

import { type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { usertourFake } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN, usertourSandboxData } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { MAX_HEADER_BYTES } from '../../src/bootstrap.js';
import { ERROR_CODES } from '../../src/profiles/profile.errors.js';
import { CANONICAL_FIELDS } from '../../src/profiles/profile.model.js';
import { checkResponse, type Harness, type HttpAnswer, request, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { tempDir } from '../support/temp-dirs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const redisUrl = process.env.REDIS_URL as string;

const LIMITED_KEY = 'limited-caller-key-abcdef0123';
const SCOPED_KEY = 'scoped-caller-key-abcdef01234';
const HASHED_KEY = 'hashed-caller-key-abcdef01234';
const CALLER_KEYS = [TEST_API_KEY, LIMITED_KEY, SCOPED_KEY, HASHED_KEY];
const UPSTREAM_TOKENS = [VEMETRIC_SANDBOX_TOKEN, USERTOUR_SANDBOX_TOKEN, USERTOUR_SANDBOX_TOKEN.slice(3)];
const VEMETRIC_USER = '15241578750190521233';

/** The one item of a RateLimit or RateLimit-Policy field, parsed as an RFC 8941 List. */
function rateLimitItem(value: string | null): { name: unknown; params: Record<string, unknown> } {
  const list = parseList(value ?? '');
  expect(list).toHaveLength(1);
  const [name, params] = list[0] as Item;
  return { name, params: Object.fromEntries(params) };
}

const sha256 = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/** GET with the path sent exactly as written, on a connection of its own. */
function rawGet(url: string, pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = http.request({ hostname, port, path: pathname, headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          checkResponse(url, { method: 'GET', target: pathname, status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, text });
          resolve({ status: res.statusCode ?? 0, text, headers: res.headers });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function yaml(prefix: string) {
  return (fakes: Harness['fakes']): string => `
auth:
  apiKeys:
    - name: e2e
      key: ${TEST_API_KEY}
      sources: ["*"]
    - name: limited
      key: ${LIMITED_KEY}
      sources: [analytics]
      rateLimit: { limit: 3, window: 1m }
    - name: scoped
      key: ${SCOPED_KEY}
      sources: [analytics]
    - name: hashed
      keySha256: ${sha256(HASHED_KEY)}
      sources: [analytics]
cache:
  redis:
    url: ${redisUrl}
    keyPrefix: ${prefix}
defaults:
  timeout: 2s
  retries: 0
sources:
  analytics:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: ${VEMETRIC_SANDBOX_TOKEN}
  analytics-eu:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: ${VEMETRIC_SANDBOX_TOKEN}
  crm:
    kind: usertour
    baseUrl: ${fakes.usertour!.url}
    token: ${USERTOUR_SANDBOX_TOKEN}
`;
}

describe('caller auth, rate limits, input hardening and observability (e2e, real sockets, real Redis)', () => {
  let h: Harness;
  let redis: Redis;
  const prefix = `pgw-sec-${randomUUID().slice(0, 8)}`;
  /** Every response body, to check that no secret ever leaves the gateway. */
  const bodies: string[] = [];
  const call = async (p: string, headers: Record<string, string> = {}): Promise<HttpAnswer> => {
    const answer = await request(h.url + p, headers);
    bodies.push(answer.text, JSON.stringify([...answer.headers]));
    return answer;
  };
  const asKey = (key: string) => ({ authorization: `Bearer ${key}` });
  const upstreamCalls = () => h.fakes.vemetric!.calls.length + h.fakes.usertour!.calls.length;

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    h = await startHarness({
      fakes: { vemetric: vemetricFake(vemetricSandboxData), usertour: usertourFake(usertourSandboxData) },
      yaml: yaml(prefix),
    });
    // The cache and the rate limiter connect to Redis without waiting; readiness reports when the cache is up.
    for (let i = 0; i < 100 && (await call('/health/ready')).body?.details?.cache?.status !== 'up'; i++) await new Promise((r) => setTimeout(r, 20));
  });

  afterAll(async () => {
    await h.close();
    redis.disconnect();
  });

  beforeEach(() => {
    for (const fake of Object.values(h.fakes)) fake.reset();
  });

  describe('authentication and scopes', () => {
    it('should answer 401 with a Bearer challenge and no upstream call when the key is missing', async () => {
      const res = await call(`/profiles/analytics/${VEMETRIC_USER}`);

      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      expect(upstreamCalls()).toBe(0);
    });

    it('should answer 401 for an unknown key and for a Basic credential', async () => {
      const unknown = await call(`/profiles/analytics/${VEMETRIC_USER}`, asKey('not-a-configured-key'));
      const basic = await call(`/profiles/analytics/${VEMETRIC_USER}`, { authorization: `Basic ${Buffer.from(`${TEST_API_KEY}:`).toString('base64')}` });

      expect([unknown.status, basic.status]).toEqual([401, 401]);
      expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="profile-gateway", error="invalid_token"');
      expect(basic.headers.get('www-authenticate')).toBe('Bearer realm="profile-gateway"');
      expect(upstreamCalls()).toBe(0);
    });

    it('should serve a key configured by its SHA-256 only', async () => {
      const res = await call(`/profiles/analytics/${VEMETRIC_USER}`, asKey(HASHED_KEY));

      expect(res.status).toBe(200);
      expect(res.body.id).toBe(VEMETRIC_USER);
    });

    it('should answer 403 for a source the key may not read, configured or not, and 404 for an unknown source with a * key', async () => {
      const configured = await call(`/profiles/analytics-eu/${VEMETRIC_USER}`, asKey(SCOPED_KEY));
      const unknownScoped = await call(`/profiles/no-such-source/${VEMETRIC_USER}`, asKey(SCOPED_KEY));
      const unknownAll = await call(`/profiles/no-such-source/${VEMETRIC_USER}`, asKey(TEST_API_KEY));

      expect(configured.status).toBe(403);
      expect(configured.body).toMatchObject({ code: 'FORBIDDEN', source: 'analytics-eu' });
      expect(unknownScoped.body.code).toBe('FORBIDDEN');
      expect(unknownAll.status).toBe(404);
      expect(unknownAll.body.code).toBe('SOURCE_NOT_FOUND');
      expect(upstreamCalls()).toBe(0);
    });
  });

  describe('rate limits', () => {
    it('should count a limited key in Redis, send RateLimit headers, then answer 429 with Retry-After', async () => {
      const answers: HttpAnswer[] = [];
      for (let i = 0; i < 4; i++) answers.push(await call(`/profiles/analytics/${VEMETRIC_USER}`, asKey(LIMITED_KEY)));

      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      const remaining = answers.map((a) => rateLimitItem(a.headers.get('ratelimit')));
      expect(remaining.map((item) => [item.name, item.params.r])).toEqual([
        ['limited', 2],
        ['limited', 1],
        ['limited', 0],
        ['limited', 0],
      ]);
      for (const item of remaining) expect(item.params.t).toBeGreaterThanOrEqual(1);
      expect(rateLimitItem(answers[0]!.headers.get('ratelimit-policy'))).toEqual({ name: 'limited', params: { q: 3, w: 60 } });
      for (const old of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) expect(answers[0]!.headers.get(old)).toBeNull();
      const limited = answers[3]!;
      expect(limited.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
      expect(await redis.get(`${prefix}:ratelimit:limited`)).toBe('4');
    });

    it('should send no RateLimit headers for a key without a limit', async () => {
      const res = await call(`/profiles/analytics/${VEMETRIC_USER}`, asKey(TEST_API_KEY));

      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit')).toBeNull();
      expect(res.headers.get('ratelimit-policy')).toBeNull();
    });
  });

  describe('input hardening', () => {
    it.each([
      ['an id over 256 characters (by=externalId)', `/profiles/analytics/${'a'.repeat(257)}?by=externalId`],
      ['an id over 256 characters (path id)', `/profiles/crm/${'u'.repeat(257)}`],
      ['a NUL in the id', '/profiles/crm/usr%00admin'],
      ['a line feed in the id', '/profiles/crm/usr%0D%0AX-Injected:%201'],
      ['a DEL in the id (by=externalId)', '/profiles/analytics/john%7F?by=externalId'],
      ['a C1 control in the id', '/profiles/crm/usr%C2%85'],
    ])('should answer 400 VALIDATION_ERROR before any upstream call for %s', async (_label, p) => {
      const res = await rawGet(h.url, p, asKey(TEST_API_KEY));

      expect(res.status).toBe(400);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'id' }] });
      expect(res.headers['x-injected']).toBeUndefined();
      expect(upstreamCalls()).toBe(0);
    });

    it('should accept an id of exactly 256 characters', async () => {
      const res = await rawGet(h.url, `/profiles/crm/${'u'.repeat(256)}`, asKey(TEST_API_KEY));

      expect(res.status).toBe(404);
      expect(h.fakes.usertour!.calls[0]!.segments).toEqual(['v1', 'users', 'u'.repeat(256)]);
    });

    it('should send a traversal id to the upstream only as one literal encoded path segment', async () => {
      const res = await rawGet(h.url, '/profiles/crm/..%2F..%2Fadmin', asKey(TEST_API_KEY));

      expect(res.status).toBe(404);
      expect(JSON.parse(res.text).code).toBe('PROFILE_NOT_FOUND');
      expect(h.fakes.usertour!.calls).toHaveLength(1);
      expect(h.fakes.usertour!.calls[0]!.rawPath).toBe('/v1/users/..%2F..%2Fadmin');
    });

    it('should send a traversal identifier to the upstream only as one encoded query value', async () => {
      const res = await rawGet(h.url, '/profiles/analytics/..%2F..%2Fadmin?by=externalId', asKey(TEST_API_KEY));

      expect(res.status).toBe(404);
      const sent = h.fakes.vemetric!.calls[0]!;
      expect(sent.rawPath).toBe('/v1/users/single');
      expect(sent.query).toEqual([['identifier', '../../admin']]);
    });

    it('should refuse a request head larger than the header limit', async () => {
      const res = await rawGet(h.url, `/profiles/analytics/${VEMETRIC_USER}`, { ...asKey(TEST_API_KEY), 'x-padding': 'p'.repeat(MAX_HEADER_BYTES) });

      expect(res.status).toBe(431);
      expect(JSON.parse(res.text)).toMatchObject({ code: 'HEADERS_TOO_LARGE', type: '/problems/headers-too-large' });
      expect(upstreamCalls()).toBe(0);
    });
  });

  describe('observability', () => {
    it('should log one line per request with source, key name, cache and upstream status, and never a secret', async () => {
      const requestId = `sec-log-${randomUUID()}`;

      await call(`/profiles/crm/usr_123456789`, { ...asKey(TEST_API_KEY), 'x-request-id': requestId, 'cache-control': 'no-cache' });

      const line = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.reqId === requestId && l.msg === 'request completed');
      expect(line).toMatchObject({
        status: 200,
        source: 'crm',
        keyName: 'e2e',
        cacheStatus: 'profile-gateway; fwd=request; stored',
        upstreamStatus: 200,
        upstreamAttempts: 1,
      });
    });

    it('should log successful probes and scrapes at debug level only', async () => {
      const requestId = `sec-probe-${randomUUID()}`;

      await call('/health/live', { 'x-request-id': requestId });
      await call('/metrics', { 'x-request-id': requestId });

      expect(h.logs.filter((l) => l.includes(requestId))).toEqual([]);
    });

    it('should expose metrics that change with traffic and hold no ids or keys', async () => {
      const series = 'gateway_profile_requests_total{source="analytics",key="e2e",outcome="ok",cache="miss"}';
      const valueOf = (text: string, name: string): number => Number(text.split('\n').find((l) => l.startsWith(name + ' '))?.slice(name.length + 1) ?? 0);
      const before = await call('/metrics');

      await call(`/profiles/analytics/4400128813370022`, asKey(TEST_API_KEY));
      await call(`/profiles/analytics/4400128813370022`, asKey(TEST_API_KEY));
      const after = await call('/metrics');

      expect(after.status).toBe(200);
      expect(after.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
      expect(valueOf(after.text, series) - valueOf(before.text, series)).toBe(1);
      const upstream = 'gateway_upstream_request_duration_seconds_count{source="analytics",status="200"}';
      expect(valueOf(after.text, upstream) - valueOf(before.text, upstream)).toBe(1);
      expect(valueOf(after.text, 'gateway_cache_outcomes_total{source="analytics",outcome="hit"}')).toBeGreaterThanOrEqual(1);
      expect(valueOf(after.text, 'gateway_rate_limited_requests_total{key="limited"}')).toBe(1);
      expect(valueOf(after.text, 'gateway_auth_rejections_total{reason="forbidden"}')).toBe(2);
      expect(after.text).toContain('process_resident_memory_bytes');
      expect(after.text).not.toContain('4400128813370022');
      expect(after.text).not.toContain('no-such-source');
    });

    it('should answer liveness and readiness without a key, with the cache up and each source circuit', async () => {
      const live = await call('/health/live');
      const ready = await call('/health/ready');

      expect(live.status).toBe(200);
      expect(live.body).toMatchObject({ status: 'ok', details: { process: { status: 'up' } } });
      expect(ready.status).toBe(200);
      expect(ready.body.status).toBe('ok');
      expect(ready.body.details.config).toEqual({ status: 'up', sources: 3, authDisabled: false });
      expect(ready.body.details.cache).toMatchObject({ status: 'up', mode: 'redis' });
      expect(ready.body.details.sources.status).toBe('up');
      expect(Object.keys(ready.body.details.sources.sources)).toEqual(['analytics', 'analytics-eu', 'crm']);
      expect(ready.body.details.sources.sources.crm.kind).toBe('usertour');
    });

    it('should serve a valid OpenAPI 3 document describing the profile route, and Swagger UI', async () => {
      const res = await call('/docs-json');
      const ui = await call('/docs');

      expect(res.status).toBe(200);
      expect(ui.status).toBe(200);
      expect(ui.headers.get('content-type')).toMatch(/^text\/html/);
      const doc = res.body;
      expect(doc.openapi).toMatch(/^3\./);
      const operation = doc.paths['/profiles/{source}/{id}'].get;
      expect(operation.parameters.map((p: { in: string; name: string }) => `${p.in}:${p.name}`).sort()).toEqual(
        ['header:Cache-Control', 'header:If-None-Match', 'header:X-Request-Id', 'path:id', 'path:source', 'query:by', 'query:include'].sort(),
      );
      expect(Object.keys(operation.responses).sort()).toEqual(['200', '304', '400', '401', '403', '404', '405', '409', '429', '431', '500', '502', '503', '504']);
      expect(Object.keys(operation.responses['200'].headers)).toEqual(
        expect.arrayContaining(['ETag', 'Cache-Control', 'Age', 'Cache-Status', 'X-Request-Id', 'RateLimit', 'RateLimit-Policy']),
      );
      expect(operation.responses['401'].content['application/problem+json'].schema.$ref).toBe('#/components/schemas/Problem');
      expect(operation.responses['401'].headers['WWW-Authenticate']).toBeDefined();
      expect(operation.responses['429'].headers['Retry-After']).toBeDefined();
      expect(operation.security).toEqual([{ 'gateway-api-key': [] }]);
      expect(doc.components.securitySchemes['gateway-api-key']).toMatchObject({ type: 'http', scheme: 'bearer' });
      expect(doc.components.securitySchemes['gateway-api-key'].bearerFormat).not.toBe('JWT');
      const { Profile, Membership, Problem } = doc.components.schemas;
      expect(Profile.required).toEqual(expect.arrayContaining([...CANONICAL_FIELDS, 'meta']));
      expect(Profile.properties.email.nullable).toBe(true);
      expect(Membership.properties.type.enum).toEqual(['company', 'department', 'organization', 'group']);
      expect(Problem.properties.code.enum).toEqual(expect.arrayContaining([...ERROR_CODES]));
      expect(doc.paths['/health/ready'].get).toBeDefined();
      expect(doc.paths['/metrics'].get).toBeDefined();
      // Every reference resolves inside the document.
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]+"/g) ?? [];
      for (const ref of refs) {
        const pointer = ref.slice('"$ref":"#/'.length, -1).split('/');
        expect(pointer.reduce((node: Record<string, unknown> | undefined, part) => node?.[part] as Record<string, unknown> | undefined, doc)).toBeDefined();
      }
    });

    it('should never put an upstream token or a caller key in a log line or a response', () => {
      const everything = [...h.logs, ...bodies].join('\n');

      expect(h.logs.length).toBeGreaterThan(20);
      for (const secret of [...CALLER_KEYS, ...UPSTREAM_TOKENS]) expect(everything).not.toContain(secret);
      expect(everything).not.toContain(sha256(HASHED_KEY));
    });
  });
});

describe('node dist/main.js graceful shutdown', () => {
  let fake: FakeUpstream;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(path.join(root, 'dist', 'main.js'))) {
      const build = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root });
      if (build.status !== 0) throw new Error(`build failed: ${build.stdout.toString()}`);
    }
    fake = await startFakeUpstream(vemetricFake(vemetricSandboxData));
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await fake.close();
  });

  it('should finish a slow in-flight request with 200, refuse new connections, and exit 0 on SIGTERM', async () => {
    const dir = tempDir('pgw-shutdown-');
    const file = path.join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `
server: { shutdownTimeout: 8s }
auth:
  apiKeys:
    - { name: e2e, key: "${TEST_API_KEY}", sources: ["*"] }
cache:
  redis: { url: "${redisUrl}", keyPrefix: pgw-shutdown-${randomUUID().slice(0, 8)} }
defaults: { timeout: 5s, retries: 0 }
sources:
  analytics:
    kind: vemetric
    baseUrl: ${fake.url}
    token: \${VEMETRIC_TOKEN}
`,
    );
    const env = { ...process.env, GATEWAY_CONFIG: file, PORT: '0', HOST: '127.0.0.1', VEMETRIC_TOKEN: VEMETRIC_SANDBOX_TOKEN };
    const proc = spawn(process.execPath, [path.join(root, 'dist', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    let output = '';
    proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));

    const deadline = Date.now() + 15_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline) {
      url = /"url":"(http:\/\/[^"]+)","sources"/.exec(output)?.[1];
      if (url === undefined) await new Promise((r) => setTimeout(r, 25));
    }
    expect(url).toBeDefined();

    fake.enqueue({ type: 'delayHeaders', ms: 1_500 });
    const requestId = `last-before-sigterm-${randomUUID()}`;
    const inFlight = rawGet(url!, `/profiles/analytics/${VEMETRIC_USER}`, { authorization: `Bearer ${TEST_API_KEY}`, 'x-request-id': requestId });
    while (fake.calls.length === 0) await new Promise((r) => setTimeout(r, 10));
    const signalledAt = Date.now();
    proc.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 400));
    const late = await rawGet(url!, '/health/live').then(
      (res) => `status ${res.status}`,
      (error: NodeJS.ErrnoException) => error.code ?? 'error',
    );

    const answer = await inFlight;
    const code = await exited;

    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).id).toBe(VEMETRIC_USER);
    expect(['ECONNREFUSED', 'ECONNRESET', 'status 503']).toContain(late);
    expect(code).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(8_000);
    expect(output).toContain('shutdown complete');
    // The log is written asynchronously: the last request's line still reaches it before the process exits.
    const lastLine = output.split('\n').find((line) => line.includes(requestId) && line.includes('request completed'));
    expect(lastLine && JSON.parse(lastLine)).toMatchObject({ status: 200, msg: 'request completed' });
    expect(output).not.toContain(TEST_API_KEY);
    expect(output).not.toContain(VEMETRIC_SANDBOX_TOKEN);
  }, 30_000);
});
