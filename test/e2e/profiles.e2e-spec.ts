import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { orgDirectoryFake } from '../../sandbox/kinds/org-directory/org-directory.fake.js';
import { ORG_DIRECTORY_SANDBOX_TOKEN, orgDirectorySandboxData } from '../../sandbox/kinds/org-directory/org-directory.sandbox.js';
import { scalepadAmmFake } from '../../sandbox/kinds/scalepad-amm/scalepad-amm.fake.js';
import { SANDBOX_AMM_CLIENT_ID, SCALEPAD_AMM_SANDBOX_TOKEN, scalepadAmmSandboxData } from '../../sandbox/kinds/scalepad-amm/scalepad-amm.sandbox.js';
import { usertourFake } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN, usertourSandboxData } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { checkResponse, type Harness, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { tempDir } from '../support/temp-dirs.js';

const usertourData = {
  ...usertourSandboxData,
  users: [
    ...usertourSandboxData.users,
    {
      id: 'mixed@example.com',
      attributes: { name: 42, email: 'mixed@example.com' },
      createdAt: '2025-05-04T12:51:10.881Z',
      memberships: [
        { attributes: { role: 'viewer' }, company: { id: 'globex', attributes: { domain: 'globex.com' } } },
        { attributes: {}, company: { id: 'initech', attributes: { name: 'Initech' } } },
      ],
    },
    { id: '..', attributes: {}, createdAt: '2025-05-04T12:51:10.881Z' },
  ],
};

/** GET with the path sent exactly as written (no client-side normalization). */
function rawGet(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const pathname = url.slice(url.indexOf('/', url.indexOf('//') + 2));
    const req = http.request({ hostname, port, path: pathname, headers: { authorization: `Bearer ${TEST_API_KEY}` } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          checkResponse(url, { method: 'GET', target: pathname, status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, text });
          resolve({ status: res.statusCode ?? 0, text });
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    req.on('error', reject);
    req.end();
  });
}

function yaml(fakes: Harness['fakes']): string {
  return `
auth:
  apiKeys:
    - name: e2e
      key: ${TEST_API_KEY}
      sources: ["*"]
defaults:
  timeout: 2s
  retries: 0
  cache: { ttl: 1m, staleWhileRevalidate: 0, staleIfError: 0, notFoundTtl: 1m }
sources:
  analytics:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: ${VEMETRIC_SANDBOX_TOKEN}
  agents:
    kind: scalepad-amm
    baseUrl: ${fakes.amm!.url}
    token: ${SCALEPAD_AMM_SANDBOX_TOKEN}
    clientId: ${SANDBOX_AMM_CLIENT_ID}
  crm:
    kind: usertour
    baseUrl: ${fakes.usertour!.url}
    token: ${USERTOUR_SANDBOX_TOKEN}
  directory:
    kind: org-directory
    baseUrl: ${fakes.org!.url}
    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}
`;
}

describe('GET /profiles/:source/:id (e2e, real sockets)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      fakes: {
        vemetric: vemetricFake(vemetricSandboxData),
        amm: scalepadAmmFake(scalepadAmmSandboxData),
        usertour: usertourFake(usertourData),
        org: orgDirectoryFake(orgDirectorySandboxData),
      },
      yaml,
    });
  });

  afterAll(async () => {
    await h.close();
  });

  beforeEach(() => {
    for (const fake of Object.values(h.fakes)) fake.reset();
  });

  it('should answer a malformed percent-encoding with 400 VALIDATION_ERROR', async () => {
    const res = await rawGet(h.url + '/profiles/crm/%E0%A4%A');

    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'url' }] });
    expect(h.fakes.usertour!.calls).toHaveLength(0);
  });

  describe('query parameters', () => {
    it('should not add raw without include=raw, and serve include=raw from the same cache entry', async () => {
      const plain = await h.get('/profiles/directory/4', { 'cache-control': 'no-cache' });
      const raw = await h.get('/profiles/directory/4?include=raw');

      expect(plain.body).not.toHaveProperty('raw');
      expect(raw.body.raw).toMatchObject({ id: 4, firstName: 'Annabel HR' });
      expect(raw.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=\d+$/);
      expect(h.fakes.org!.calls).toHaveLength(1);
    });

    it('should reject an unknown by value', async () => {
      const res = await h.get('/profiles/analytics/1?by=email');

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'by' }] });
    });

    it('should ignore unknown query parameters', async () => {
      const res = await h.get('/profiles/directory/4?foo=bar');

      expect(res.status).toBe(200);
    });
  });

  describe('errors', () => {
    it('should answer SOURCE_NOT_FOUND for an unconfigured source', async () => {
      const res = await h.get('/profiles/nope/1');

      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ type: '/problems/source-not-found', title: 'Not Found', status: 404, code: 'SOURCE_NOT_FOUND' });
      expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    });

    it('should answer PROFILE_NOT_FOUND when the upstream says the user does not exist', async () => {
      const res = await h.get('/profiles/crm/ghost');

      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'PROFILE_NOT_FOUND', source: 'crm', detail: 'No profile ghost in source crm' });
      const logLine = h.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.reqId === res.body.requestId && line.msg === 'request completed');
      expect(logLine).toMatchObject({
        status: 404,
        source: 'crm',
        code: 'PROFILE_NOT_FOUND',
        upstreamStatus: 404,
        upstreamAttempts: 1,
        cacheStatus: 'profile-gateway; fwd=miss; stored',
      });
      const metrics = await h.get('/metrics');
      expect(metrics.text).toMatch(/gateway_profile_requests_total\{source="crm",key="e2e",outcome="PROFILE_NOT_FOUND",cache="miss"\} 1/);
    });

    it('should answer UPSTREAM_ERROR for an upstream 500 without its body', async () => {
      h.fakes.vemetric!.enqueue({ type: 'status', status: 500, body: { error: { code: 'INTERNAL_ERROR', message: 'An unexpected error occurred' } } });

      const res = await h.get('/profiles/analytics/9871362519984412057', { 'cache-control': 'no-cache' });

      expect(res.status).toBe(502);
      expect(res.body.code).toBe('UPSTREAM_ERROR');
      expect(res.text).not.toContain('An unexpected error occurred');
    });

    it('should answer an unknown route with a problem body', async () => {
      const res = await h.get('/nowhere');

      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body.code).toBe('NOT_FOUND');
    });
  });

  describe('headers', () => {
    it('should echo X-Request-Id and generate one when absent', async () => {
      const echoed = await h.get('/profiles/directory/4', { 'x-request-id': 'trace-123' });
      const generated = await h.get('/profiles/directory/4');

      expect(echoed.headers.get('x-request-id')).toBe('trace-123');
      expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
      expect(h.logs.some((line) => line.includes('"reqId":"trace-123"'))).toBe(true);
    });

    it.each([
      ['vemetric', '/profiles/analytics/4400128813370022'],
      ['amm', '/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b'],
      ['usertour', '/profiles/crm/usr_123456789'],
      ['org', '/profiles/directory/4'],
    ])("should send the caller's X-Request-Id to the %s upstream", async (fake, path) => {
      const res = await h.get(path, { 'x-request-id': `trace-${fake}`, 'cache-control': 'no-cache' });

      expect(res.status).toBe(200);
      expect(h.fakes[fake]!.calls.map((call) => call.headers['x-request-id'])).toEqual([`trace-${fake}`]);
    });

    it('should send the generated request id to the upstream when the caller sends none', async () => {
      const res = await h.get('/profiles/directory/17', { 'cache-control': 'no-cache' });

      expect(res.status).toBe(200);
      expect(h.fakes.org!.calls).toHaveLength(1);
      expect(h.fakes.org!.calls[0]!.headers['x-request-id']).toBe(res.headers.get('x-request-id'));
    });

    it('should send ETag, Cache-Control, Age and Cache-Status, and 304 on a matching If-None-Match', async () => {
      const first = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b', { 'cache-control': 'no-cache' });
      const etag = first.headers.get('etag')!;
      const second = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b', { 'if-none-match': etag });

      expect(first.headers.get('cache-status')).toBe('profile-gateway; fwd=request; stored');
      expect(first.headers.get('cache-control')).toMatch(/^private, max-age=(59|60)$/);
      expect(first.headers.get('age')).toBe('0');
      expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]+"$/);
      expect(second.status).toBe(304);
      expect(second.text).toBe('');
      expect(second.headers.get('etag')).toBe(etag);
      // Weak comparison: the opaque tag without `W/` matches too.
      const strongForm = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b', { 'if-none-match': etag.slice(2) });
      expect(strongForm.status).toBe(304);
    });

    it('should keep the ETag when a refresh changes nothing but the fetch time', async () => {
      const first = await h.get('/profiles/directory/17', { 'cache-control': 'no-cache' });
      const second = await h.get('/profiles/directory/17', { 'cache-control': 'no-cache' });

      expect(second.body.meta.fetchedAt >= first.body.meta.fetchedAt).toBe(true);
      expect(second.headers.get('etag')).toBe(first.headers.get('etag'));
    });
  });
});

describe('node dist/main.js with an invalid configuration', () => {
  it('should exit with code 1 and print one line per problem naming its path', () => {
    const dir = tempDir('pgw-config-');
    const file = path.join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `auth:\n  disabled: true\nsources:\n  crm:\n    kind: usertour\n    baseUrl: ftp://example.com\n    token: \${MISSING_TOKEN_VAR}\n  Bad_Name:\n    kind: nope\n    baseUrl: https://x.example\n    token: t\n`,
    );

    const result = spawnSync(process.execPath, ['dist/main.js'], {
      env: { PATH: process.env.PATH, GATEWAY_CONFIG: file },
      encoding: 'utf8',
      timeout: 20_000,
    });

    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^sources\.crm\.baseUrl: .*http/m);
    expect(result.stderr).toMatch(/^sources\.crm\.token: .*MISSING_TOKEN_VAR/m);
    expect(result.stderr).toMatch(/^sources\.Bad_Name/m);
    expect(result.stderr).toMatch(/kind/);
  });
});
