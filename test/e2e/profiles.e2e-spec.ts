import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

import { orgDirectoryFake } from '../../sandbox/fakes/org-directory.fake.js';
import { scalepadAmmFake } from '../../sandbox/fakes/scalepad-amm.fake.js';
import { usertourFake } from '../../sandbox/fakes/usertour.fake.js';
import { vemetricFake } from '../../sandbox/fakes/vemetric.fake.js';
import { SANDBOX_AMM_CLIENT_ID, SANDBOX_DATA, SANDBOX_TOKENS } from '../../sandbox/sample-data.js';
import { type Harness, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { tempDir } from '../support/temp-dirs.js';

const usertourData = {
  ...SANDBOX_DATA.usertour,
  users: [
    ...SANDBOX_DATA.usertour.users,
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
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
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
    token: ${SANDBOX_TOKENS.vemetric}
  analytics-badkey:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: vem_revoked000000000000000000000000
  agents:
    kind: scalepad-amm
    baseUrl: ${fakes.amm!.url}
    token: ${SANDBOX_TOKENS.scalepadAmm}
    clientId: ${SANDBOX_AMM_CLIENT_ID}
  crm:
    kind: usertour
    baseUrl: ${fakes.usertour!.url}
    token: ${SANDBOX_TOKENS.usertour}
  crm-badkey:
    kind: usertour
    baseUrl: ${fakes.usertour!.url}
    token: ak_clunknown00000000000000000
  crm-wrongbase:
    kind: usertour
    baseUrl: ${fakes.usertour!.url}/api
    token: ${SANDBOX_TOKENS.usertour}
  directory:
    kind: org-directory
    baseUrl: ${fakes.org!.url}
    token: ${SANDBOX_TOKENS.orgDirectory}
`;
}

describe('GET /profiles/:source/:id (e2e, real sockets)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      fakes: {
        vemetric: vemetricFake(SANDBOX_DATA.vemetric),
        amm: scalepadAmmFake(SANDBOX_DATA.scalepadAmm),
        usertour: usertourFake(usertourData),
        org: orgDirectoryFake(SANDBOX_DATA.orgDirectory),
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

  describe('mapping of every kind', () => {
    it('should answer a Vemetric user with a 20-digit id kept exactly as a string', async () => {
      const res = await h.get('/profiles/analytics/15241578750190521233');

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(res.text).toContain('"id":"15241578750190521233"');
      expect({ ...res.body, meta: { ...res.body.meta, fetchedAt: 'x' } }).toEqual({
        source: 'analytics',
        id: '15241578750190521233',
        externalId: 'user-3',
        username: null,
        displayName: 'Bravo',
        givenName: null,
        familyName: null,
        email: 'bravo@example.com',
        emailVerified: null,
        phone: null,
        phoneVerified: null,
        avatarUrl: null,
        country: 'US',
        city: 'San Francisco',
        anonymous: false,
        roles: [],
        memberships: [],
        lastSeenAt: '2026-01-19T09:15:00.000Z',
        lastSeenByChannel: {},
        createdAt: null,
        updatedAt: null,
        attributes: { plan: 'starter', email: 'bravo@example.com' },
        meta: {
          kind: 'vemetric',
          fetchedAt: 'x',
          unsupportedFields: ['username', 'givenName', 'familyName', 'emailVerified', 'phone', 'phoneVerified', 'roles', 'memberships', 'lastSeenByChannel', 'createdAt', 'updatedAt'],
        },
      });
      expect(res.body.meta.fetchedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
      expect(h.fakes.vemetric!.calls[0]!.rawPath + '?' + h.fakes.vemetric!.calls[0]!.query.map((q) => q.join('=')).join('&')).toBe(
        '/v1/users/single?id=15241578750190521233',
      );
    });

    it('should answer an anonymous Vemetric user', async () => {
      const res = await h.get('/profiles/analytics/9871362519984412057');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ anonymous: true, externalId: null, displayName: null, email: null, country: 'DE', attributes: {} });
    });

    it('should look a Vemetric user up by externalId with the identifier query, cached under its own key', async () => {
      const byExternal = await h.get('/profiles/analytics/john%40example.com?by=externalId');
      const byId = await h.get('/profiles/analytics/4400128813370022');

      expect(byExternal.status).toBe(200);
      expect(byExternal.body).toMatchObject({ id: '4400128813370022', externalId: 'john@example.com', displayName: 'John Doe' });
      expect(byId.headers.get('cache-status')).toBe('profile-gateway; fwd=miss; stored');
      expect(h.fakes.vemetric!.calls.map((c) => c.query)).toEqual([[['identifier', 'john@example.com']], [['id', '4400128813370022']]]);
    });

    it('should answer a ScalePad AMM user with no activity and a non-hex id', async () => {
      const res = await h.get('/profiles/agents/c3f19253-26g4-6129-c461-215h9658429d');

      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        id: 'c3f19253-26g4-6129-c461-215h9658429d',
        externalId: 'newuser',
        username: 'newuser',
        displayName: 'newuser',
        memberships: [],
        lastSeenAt: null,
        lastSeenByChannel: { desktop: null, web: null },
        createdAt: '2026-02-24T10:00:00.000Z',
        updatedAt: '2026-02-24T10:00:00.000Z',
      });
      expect(h.fakes.amm!.calls[0]!.rawPath).toBe(`/v2/clients/${SANDBOX_AMM_CLIENT_ID}/users/c3f19253-26g4-6129-c461-215h9658429d`);
    });

    it('should answer a ScalePad AMM user with departments as memberships', async () => {
      const res = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b');

      expect(res.body.memberships).toEqual([
        {
          id: 'd1a2b3c4-e5f6-7890-abcd-ef1234567890',
          name: 'Engineering',
          type: 'department',
          role: null,
          description: 'Software development and infrastructure teams',
          attributes: {},
        },
      ]);
      expect(res.body.lastSeenByChannel).toEqual({ desktop: '2026-02-24T21:22:46.119Z', web: '2026-02-24T21:23:53.082Z' });
    });

    it('should answer the contract example Usertour user with its company membership', async () => {
      const res = await h.get('/profiles/crm/usr_123456789');

      expect(res.body).toMatchObject({
        id: 'usr_123456789',
        externalId: 'usr_123456789',
        displayName: 'John Doe',
        email: 'john.doe@example.com',
        memberships: [{ id: 'acme-corp', name: 'Acme Corp', type: 'company', role: 'admin', description: null, attributes: { name: 'Acme Corp', domain: 'acme.com' } }],
        createdAt: '2024-03-20T08:30:00.000Z',
        attributes: { name: 'John Doe', email: 'john.doe@example.com', role: 'admin' },
      });
      expect(h.fakes.usertour!.calls[0]!.query).toEqual([
        ['expand[]', 'memberships'],
        ['expand[]', 'memberships.company'],
      ]);
    });

    it('should map Usertour names and roles only when they are strings', async () => {
      const res = await h.get('/profiles/crm/mixed%40example.com');

      expect(res.body.displayName).toBeNull();
      expect(res.body.memberships).toEqual([
        { id: 'globex', name: null, type: 'company', role: 'viewer', description: null, attributes: { domain: 'globex.com' } },
        { id: 'initech', name: 'Initech', type: 'company', role: null, description: null, attributes: { name: 'Initech' } },
      ]);
    });

    it('should answer a minimal org-directory user whose keys are omitted', async () => {
      const res = await h.get('/profiles/directory/4');

      expect(res.body).toMatchObject({
        id: '4',
        externalId: null,
        displayName: 'Annabel HR',
        givenName: 'Annabel HR',
        familyName: null,
        email: null,
        emailVerified: false,
        phone: null,
        roles: ['superuser'],
        memberships: [{ id: '2', name: 'Business Account', type: 'organization', role: null, description: null, attributes: { personal: false } }],
        createdAt: '2026-03-10T09:38:13.474Z',
        updatedAt: null,
        attributes: { account: { id: 1, firstName: 'Anna' }, emailAddressVerify: false, phoneNumberVerify: false },
      });
    });

    it('should normalize org-directory offsets and microseconds', async () => {
      const res = await h.get('/profiles/directory/17');

      expect(res.body.createdAt).toBe('2022-06-23T11:53:02.000Z');
      expect(res.body.updatedAt).toBe('2026-03-11T10:02:44.120Z');
      expect(res.body.memberships.map((m: { id: string; role: string }) => `${m.id}:${m.role}`)).toEqual(['2:null', '7:member', '9:admin']);
    });
  });

  describe('ids', () => {
    it('should send a Usertour id with a slash, a space and unicode as one encoded path segment', async () => {
      const res = await h.get('/profiles/crm/team%2Falpha%20%C3%BC');

      expect(res.status).toBe(200);
      expect(res.body.id).toBe('team/alpha ü');
      expect(h.fakes.usertour!.calls[0]!.rawPath).toBe('/v1/users/team%2Falpha%20%C3%BC');
    });

    it('should send the id .. as a literal id, never as a dot-segment', async () => {
      // fetch() would resolve the dot-segment itself; send the encoded path byte for byte.
      const res = await rawGet(h.url + '/profiles/crm/%2E%2E');

      expect(res.status).toBe(200);
      expect(JSON.parse(res.text).id).toBe('..');
      expect(h.fakes.usertour!.calls[0]!.rawPath).toBe('/v1/users/%2E%2E');
    });

    it.each([
      ['analytics', '12a'],
      ['analytics', '123456789012345678901'],
      ['agents', 'a1d97031-04e2-4907-a249-093f7436207'],
      ['directory', '0'],
      ['directory', '1234567890123456'],
      ['crm', 'x'.repeat(257)],
      ['crm', 'bad%0Aid'],
    ])('should reject the %s id %p with 400 before any upstream call', async (source, id) => {
      const res = await h.get(`/profiles/${source}/${id}`);

      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', source, errors: [{ field: 'id' }] });
      expect(Object.values(h.fakes).every((f) => f.calls.length === 0)).toBe(true);
    });
  });

  it('should answer a malformed percent-encoding with 400 VALIDATION_ERROR', async () => {
    const res = await rawGet(h.url + '/profiles/crm/%E0%A4%A');

    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ code: 'VALIDATION_ERROR', errors: [{ field: 'url' }] });
    expect(h.fakes.usertour!.calls).toHaveLength(0);
  });

  describe('query parameters', () => {
    it('should add the upstream body exactly as received with include=raw', async () => {
      const res = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b?include=raw');

      expect(res.body.raw).toEqual(SANDBOX_DATA.scalepadAmm.clients[0]!.users[0]);
    });

    it('should not add raw without include=raw, and serve include=raw from the same cache entry', async () => {
      const plain = await h.get('/profiles/directory/4', { 'cache-control': 'no-cache' });
      const raw = await h.get('/profiles/directory/4?include=raw');

      expect(plain.body).not.toHaveProperty('raw');
      expect(raw.body.raw).toMatchObject({ id: 4, firstName: 'Annabel HR' });
      expect(raw.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=\d+$/);
      expect(h.fakes.org!.calls).toHaveLength(1);
    });

    it('should answer LOOKUP_NOT_SUPPORTED for by=externalId on other kinds', async () => {
      const res = await h.get('/profiles/crm/usr_123456789?by=externalId');

      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'LOOKUP_NOT_SUPPORTED', source: 'crm' });
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
      expect(res.body).toMatchObject({ type: 'about:blank', title: 'Not Found', status: 404, code: 'SOURCE_NOT_FOUND' });
      expect(res.body.requestId).toBe(res.headers.get('x-request-id'));
    });

    it('should answer PROFILE_NOT_FOUND when the upstream says the user does not exist', async () => {
      const res = await h.get('/profiles/crm/ghost');

      expect(res.status).toBe(404);
      expect(res.body).toMatchObject({ code: 'PROFILE_NOT_FOUND', source: 'crm', detail: 'No profile ghost in source crm' });
      const logLine = h.logs.map((line) => JSON.parse(line) as Record<string, unknown>).find((line) => line.reqId === res.body.requestId && line.msg === 'request completed');
      expect(logLine).toMatchObject({ status: 404, source: 'crm', code: 'PROFILE_NOT_FOUND', upstreamStatus: 404, upstreamAttempts: 1 });
      const metrics = await h.get('/metrics');
      expect(metrics.text).toMatch(/gateway_profile_requests_total\{source="crm",key="e2e",outcome="PROFILE_NOT_FOUND",cache="[a-z-]+"\} 1/);
    });

    it.each([
      ['analytics-badkey', '1', 401],
      ['crm-badkey', 'usr_123456789', 403],
    ])('should report the upstream rejecting our credentials on %s as 502 UPSTREAM_AUTH_FAILED', async (source, id) => {
      const res = await h.get(`/profiles/${source}/${id}`);

      expect(res.status).toBe(502);
      expect(res.body).toMatchObject({ code: 'UPSTREAM_AUTH_FAILED', source });
      expect(res.text).not.toMatch(/vem_revoked|ak_clunknown|Invalid API key|E1000/);
    });

    it('should report a wrong base URL (the upstream route 404) as UPSTREAM_ERROR, not a missing profile', async () => {
      const res = await h.get('/profiles/crm-wrongbase/usr_123456789');

      expect(res.status).toBe(502);
      expect(res.body.code).toBe('UPSTREAM_ERROR');
      expect(res.text).not.toContain(h.fakes.usertour!.url);
    });

    it('should answer UPSTREAM_BAD_RESPONSE for a non-JSON body and not cache it', async () => {
      h.fakes.org!.enqueue({ type: 'garbage' });

      const bad = await h.get('/profiles/directory/17?x=1', { 'cache-control': 'no-cache' });
      const good = await h.get('/profiles/directory/17', { 'cache-control': 'no-cache' });

      expect(bad.status).toBe(502);
      expect(bad.body.code).toBe('UPSTREAM_BAD_RESPONSE');
      expect(bad.text).not.toContain('<html>');
      expect(good.status).toBe(200);
    });

    it('should answer UPSTREAM_BAD_RESPONSE for a body of the wrong shape', async () => {
      h.fakes.amm!.enqueue({ type: 'status', status: 200, body: { id: 'a1d97031-04e2-4907-a249-093f7436207b' } });

      const res = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b', { 'cache-control': 'no-cache' });

      expect(res.status).toBe(502);
      expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
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

    it('should send ETag, Cache-Control, Age and Cache-Status, and 304 on a matching If-None-Match', async () => {
      const first = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b', { 'cache-control': 'no-cache' });
      const etag = first.headers.get('etag')!;
      const second = await h.get('/profiles/agents/a1d97031-04e2-4907-a249-093f7436207b', { 'if-none-match': etag });

      expect(first.headers.get('cache-status')).toBe('profile-gateway; fwd=request; stored');
      expect(first.headers.get('cache-control')).toMatch(/^private, max-age=(59|60)$/);
      expect(first.headers.get('age')).toBe('0');
      expect(etag).toMatch(/^"[A-Za-z0-9_-]+"$/);
      expect(second.status).toBe(304);
      expect(second.text).toBe('');
      expect(second.headers.get('etag')).toBe(etag);
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
