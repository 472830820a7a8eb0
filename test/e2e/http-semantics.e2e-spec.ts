import net from 'node:net';

import SwaggerParser from '@apidevtools/swagger-parser';
import { type Item, parseList } from 'structured-headers';

import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { STATUS_OF } from '../../src/common/problem.js';
import { ERROR_CODES } from '../../src/profiles/profile.errors.js';
import { checkResponse, type Harness, type HttpAnswer, request, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { ResponseValidator } from '../support/openapi-validator.js';

const USER = '15241578750190521233';
/** Key names are letters, digits, dots, dashes and underscores (the configuration's rule); all of them here. */
const ODD_KEY_NAME = 'Ops.night_shift-2';
const ODD_KEY = 'odd-name-caller-key-0123456789';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `text` on a fresh TCP connection and parses every HTTP/1.1 response read until the server closes it. */
function exchange(url: string, text: string, timeoutMs = 3_000): Promise<RawResponse[]> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.end(text));
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => socket.destroy(), timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      clearTimeout(timer);
      try {
        resolve(parseResponses(Buffer.concat(chunks).toString('latin1')));
      } catch (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
      }
    });
  });
}

function parseResponses(data: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = data;
  while (rest.length > 0 && responses.length < 10) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) throw new Error(`incomplete response head: ${JSON.stringify(rest.slice(0, 200))}`);
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine!)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers['content-length'] ?? 0);
    responses.push({ status, headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return responses;
}

/** The one problem answer of a refused request: problem+json, its request id in the body and the header, documented. */
function expectProblem(url: string, response: RawResponse | undefined, status: number, code: string, target = '/'): Record<string, unknown> {
  expect(response).toBeDefined();
  expect(response!.status).toBe(status);
  expect(response!.headers['content-type']).toMatch(/^application\/problem\+json/);
  const body = JSON.parse(response!.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `/problems/${code.toLowerCase().replaceAll('_', '-')}` });
  expect(typeof body.requestId).toBe('string');
  expect(response!.headers['x-request-id']).toBe(body.requestId);
  checkResponse(url, { method: 'GET', target, status, contentType: response!.headers['content-type']!, text: response!.body });
  return body;
}

/** The single item of a structured-field List header, with its parameters as an object. */
function onlyItem(value: string | null): { value: unknown; params: Record<string, unknown> } {
  const list = parseList(value ?? '');
  expect(list).toHaveLength(1);
  const [bare, params] = list[0] as Item;
  return { value: bare, params: Object.fromEntries(params) };
}

describe('HTTP semantics v2 (e2e, real sockets)', () => {
  let h: Harness;
  const auth = { authorization: `Bearer ${TEST_API_KEY}` };
  const upstreamCalls = () => h.fakes.vemetric!.calls.length;
  const call = (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<HttpAnswer> => request(h.url + path, headers, { method });

  beforeAll(async () => {
    h = await startHarness({
      fakes: { vemetric: vemetricFake(vemetricSandboxData) },
      yaml: (fakes) => `
auth:
  apiKeys:
    - { name: e2e, key: ${TEST_API_KEY}, sources: ["*"] }
    - { name: '${ODD_KEY_NAME}', key: ${ODD_KEY}, sources: ["*"], rateLimit: { limit: 50, window: 1m } }
defaults:
  timeout: 2s
  retries: 0
sources:
  analytics:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: ${VEMETRIC_SANDBOX_TOKEN}
`,
    });
  });

  afterAll(async () => {
    await h.close();
  });

  beforeEach(() => h.fakes.vemetric!.reset());

  describe('requests refused before routing (raw sockets)', () => {
    it.each([
      ['a header line without a colon', 'GET /health/live HTTP/1.1\r\nHost: gw\r\nNoColonHere\r\n\r\n'],
      ['a space in the request target', 'GET /health live HTTP/1.1\r\nHost: gw\r\n\r\n'],
      ['Content-Length with Transfer-Encoding', 'POST /health/live HTTP/1.1\r\nHost: gw\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'],
      ['bytes that are no request line', 'NOT HTTP AT ALL\r\n\r\n'],
    ])('should answer %s with a 400 BAD_REQUEST problem and close', async (_label, text) => {
      const responses = await exchange(h.url, text);

      expect(responses).toHaveLength(1);
      expectProblem(h.url, responses[0], 400, 'BAD_REQUEST');
      expect(responses[0]!.headers.connection).toBe('close');
    });

    it('should refuse the body of a GET sent without framing as a malformed next request', async () => {
      // Arriving with the request, the stray bytes make Node's parser fail before or after the GET is answered.
      const responses = await exchange(h.url, 'GET /health/live HTTP/1.1\r\nHost: gw\r\n\r\n{"not":"framed"}');

      expect(responses.length).toBeGreaterThanOrEqual(1);
      for (const answered of responses.slice(0, -1)) expect(answered.status).toBe(200);
      expectProblem(h.url, responses.at(-1), 400, 'BAD_REQUEST');
    });

    it('should answer a 20 KiB header with 431 HEADERS_TOO_LARGE, without calling the upstream', async () => {
      const responses = await exchange(h.url, `GET /profiles/analytics/${USER} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${TEST_API_KEY}\r\nX-Pad: ${'p'.repeat(20 * 1024)}\r\n\r\n`);

      expectProblem(h.url, responses[0], 431, 'HEADERS_TOO_LARGE');
      expect(upstreamCalls()).toBe(0);
    });

    it('should answer an HTTP/1.1 request without Host with 400 BAD_REQUEST, and accept HTTP/1.0 without it', async () => {
      const missing = await exchange(h.url, 'GET /health/live HTTP/1.1\r\nAccept: */*\r\n\r\n');
      const old = await exchange(h.url, 'GET /health/live HTTP/1.0\r\n\r\n');

      expect(expectProblem(h.url, missing[0], 400, 'BAD_REQUEST', '/health/live').detail).toBe('Missing Host header');
      expect(missing).toHaveLength(1);
      expect(old[0]!.status).toBe(200);
    });

    it('should answer a duplicate Host with 400 BAD_REQUEST (RFC 9112 §3.2) and never reach the upstream', async () => {
      const target = `/profiles/analytics/${USER}`;
      const responses = await exchange(h.url, `GET ${target} HTTP/1.1\r\nHost: gw\r\nHost: evil.example\r\nAuthorization: Bearer ${TEST_API_KEY}\r\n\r\n`);

      expect(responses).toHaveLength(1);
      expect(expectProblem(h.url, responses[0], 400, 'BAD_REQUEST', target).detail).toBe('More than one Host header');
      expect(upstreamCalls()).toBe(0);
    });

    it('should keep the caller X-Request-Id on a request refused after parsing', async () => {
      const responses = await exchange(h.url, 'GET /health/live HTTP/1.1\r\nHost: a\r\nHost: b\r\nX-Request-Id: trace-dup-host\r\n\r\n');

      expect(expectProblem(h.url, responses[0], 400, 'BAD_REQUEST', '/health/live').requestId).toBe('trace-dup-host');
    });

    it('should answer a path escaping the documentation assets with 404 NOT_FOUND', async () => {
      const responses = await exchange(h.url, 'GET /docs/../../etc/passwd HTTP/1.1\r\nHost: gw\r\nConnection: close\r\n\r\n');

      expectProblem(h.url, responses[0], 404, 'NOT_FOUND', '/docs/../../etc/passwd');
      expect(responses[0]!.body).not.toContain('root:');
    });
  });

  describe('methods', () => {
    it('should answer HEAD on the profile route with the headers of GET and no body', async () => {
      await call(`/profiles/analytics/${USER}`, auth);
      const get = await call(`/profiles/analytics/${USER}`, auth);
      const head = await call(`/profiles/analytics/${USER}`, auth, 'HEAD');

      expect(head.status).toBe(200);
      expect(head.text).toBe('');
      const names = (answer: HttpAnswer) => [...answer.headers.keys()].filter((name) => !['date', 'age', 'x-request-id', 'keep-alive'].includes(name)).sort();
      expect(names(head)).toEqual(names(get));
      for (const name of ['etag', 'cache-control', 'content-type', 'content-length']) expect(head.headers.get(name)).toBe(get.headers.get(name));
      expect(String(onlyItem(head.headers.get('cache-status')).value)).toBe('profile-gateway');
      expect(onlyItem(head.headers.get('cache-status')).params).toMatchObject({ hit: true });
    });

    it('should answer HEAD with the status and headers of an error, without its body', async () => {
      const res = await call(`/profiles/analytics/${USER}`, {}, 'HEAD');

      expect(res.status).toBe(401);
      expect(res.text).toBe('');
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer /);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });

    it.each(['DELETE', 'PUT', 'POST', 'PATCH', 'OPTIONS'])('should answer %s on the profile route with 405 and Allow, before auth', async (method) => {
      const res = await call(`/profiles/analytics/${USER}`, {}, method);

      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBe('GET, HEAD');
      expect(res.body).toMatchObject({ code: 'METHOD_NOT_ALLOWED', status: 405, type: '/problems/method-not-allowed' });
      expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
      expect(upstreamCalls()).toBe(0);
    });

    it('should derive Allow from the registered routes of every path', async () => {
      const health = await call('/health/ready', {}, 'POST');
      const problems = await call('/problems/not-found', {}, 'DELETE');

      expect([health.status, problems.status]).toEqual([405, 405]);
      expect(health.headers.get('allow')).toBe('GET, HEAD');
      expect(problems.headers.get('allow')).toBe('GET, HEAD');
    });

    it.each([
      ['GET', '/nowhere'],
      ['DELETE', '/nowhere'],
      ['GET', '/profiles/analytics'],
      ['GET', `/profiles/analytics/${USER}/extra`],
    ])('should answer %s %s (no route) with 404 NOT_FOUND', async (method, path) => {
      const res = await call(path, auth, method);

      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'NOT_FOUND', type: '/problems/not-found' });
      expect(res.headers.get('allow')).toBeNull();
    });
  });

  describe('problem types', () => {
    it('should list every code at /problems without a key, as HTML', async () => {
      const res = await call('/problems');

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      for (const code of ERROR_CODES) expect(res.text).toContain(`href="/problems/${code.toLowerCase().replaceAll('_', '-')}"`);
    });

    it('should explain every code at its type, with the retry advice and the Retry-After that applies', async () => {
      for (const code of ERROR_CODES) {
        const res = await call(`/problems/${code.toLowerCase().replaceAll('_', '-')}`);

        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(/^text\/html/);
        expect(res.text).toContain(`<code>${code}</code> (HTTP ${STATUS_OF[code]})`);
        expect(res.text).toContain('Does retrying help?');
        expect(res.text).toContain('<code>Retry-After</code>');
      }
      expect((await call('/problems/rate-limited')).text).toContain('Seconds until the key&#39;s window resets');
    });

    it('should answer an unknown type with a 404 NOT_FOUND problem', async () => {
      for (const type of ['no-such-code', 'NOT-FOUND', 'not_found', '%3Cscript%3E']) {
        const res = await call(`/problems/${type}`);

        expect(res.status).toBe(404);
        expect(res.body.code).toBe('NOT_FOUND');
      }
    });

    it('should point the type of an error answer at a page that exists', async () => {
      const error = await call(`/profiles/analytics/${USER}`);

      expect(error.body.type).toBe('/problems/unauthorized');
      expect((await call(error.body.type as string)).status).toBe(200);
    });
  });

  describe('structured fields (RFC 8941)', () => {
    it('should send RateLimit and RateLimit-Policy named after the key, as parseable RFC 8941 Lists', async () => {
      const res = await call(`/profiles/analytics/${USER}`, { authorization: `Bearer ${ODD_KEY}` });

      expect(res.status).toBe(200);
      expect(onlyItem(res.headers.get('ratelimit-policy'))).toEqual({ value: ODD_KEY_NAME, params: { q: 50, w: 60 } });
      const remaining = onlyItem(res.headers.get('ratelimit'));
      expect(remaining.value).toBe(ODD_KEY_NAME);
      expect(remaining.params.r).toBe(49);
      expect(remaining.params.t).toEqual(expect.any(Number));
    });

    it('should send a Cache-Status that parses as a List naming the gateway cache', async () => {
      const miss = await call('/profiles/analytics/9871362519984412057', { ...auth, 'cache-control': 'no-cache' });
      const hit = await call('/profiles/analytics/9871362519984412057', auth);

      const missItem = onlyItem(miss.headers.get('cache-status'));
      const hitItem = onlyItem(hit.headers.get('cache-status'));
      expect(String(missItem.value)).toBe('profile-gateway');
      expect(missItem.params).toMatchObject({ stored: true });
      expect(String(missItem.params.fwd)).toBe('request');
      expect(String(hitItem.value)).toBe('profile-gateway');
      expect(hitItem.params).toMatchObject({ hit: true, ttl: expect.any(Number) });
    });
  });

  describe('OpenAPI document', () => {
    it('should be a valid OpenAPI 3 document (swagger-parser)', async () => {
      const res = await call('/docs-json');

      await expect(SwaggerParser.validate(res.body)).resolves.toBeDefined();
    });

    it('should describe what the server accepts: HEAD, include as a list, every Cache-Control directive, servers and open endpoints', async () => {
      const doc = (await call('/docs-json')).body;
      const route = doc.paths['/profiles/{source}/{id}'];
      const include = route.get.parameters.find((p: { name: string }) => p.name === 'include');
      const cacheControl = route.get.parameters.find((p: { name: string }) => p.name === 'Cache-Control');

      expect(include).toMatchObject({ in: 'query', style: 'form', explode: true, schema: { type: 'array' } });
      for (const directive of ['no-cache', 'only-if-cached', 'max-age=N', 'min-fresh=N', 'max-stale', 'max-stale=N']) expect(cacheControl.description).toContain(`\`${directive}\``);
      expect(route.head.operationId).toBe('getProfileHead');
      for (const response of Object.values(route.head.responses)) expect((response as { content?: unknown }).content).toBeUndefined();
      expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
      expect(doc.info.license.name).toBeDefined();
      expect(doc.components.securitySchemes['gateway-api-key'].bearerFormat).not.toBe('JWT');
      for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, { tags: string[]; security: unknown[]; description: string }>>)) {
        for (const operation of Object.values(item)) {
          expect(operation.tags).toHaveLength(1);
          expect(operation.description.length).toBeGreaterThan(10);
          expect(operation.security).toEqual(path.startsWith('/profiles/') ? [{ 'gateway-api-key': [] }] : []);
        }
      }
    });

    it('should accept include as a comma-separated list and as a repeated parameter', async () => {
      const csv = await call(`/profiles/analytics/${USER}?include=raw,other`, auth);
      const repeated = await call(`/profiles/analytics/${USER}?include=other&include=raw`, auth);

      expect(csv.body.raw).toBeDefined();
      expect(repeated.body.raw).toEqual(csv.body.raw);
    });

    it('should make the response check of the harness fail on an answer the document does not allow', async () => {
      const validator = await ResponseValidator.of((await call('/docs-json')).body);
      const profile = (await call(`/profiles/analytics/${USER}`, auth)).text;
      const answer = { method: 'GET', target: `/profiles/analytics/${USER}`, contentType: 'application/json; charset=utf-8' };

      expect(validator.problems({ ...answer, status: 200, text: profile })).toEqual([]);
      expect(validator.problems({ ...answer, status: 418, text: profile })).toEqual([expect.stringContaining('status not documented')]);
      expect(validator.problems({ ...answer, status: 200, contentType: 'text/plain', text: profile })[0]).toContain('content type');
      const { email: _email, ...withoutEmail } = JSON.parse(profile) as Record<string, unknown>;
      expect(validator.problems({ ...answer, status: 200, text: JSON.stringify(withoutEmail) })[0]).toContain("must have required property 'email'");
      expect(validator.problems({ ...answer, status: 200, text: JSON.stringify({ ...withoutEmail, email: 'x', extra: 1 }) })[0]).toContain('must NOT have additional properties');
      expect(validator.problems({ method: 'GET', target: '/nowhere', status: 200, contentType: 'text/html', text: '' })).toHaveLength(1);
      expect(validator.problems({ method: 'HEAD', target: `/profiles/analytics/${USER}`, status: 200, contentType: 'application/json', text: profile })[0]).toContain('a body');
    });
  });
});
