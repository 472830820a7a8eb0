import { randomUUID } from 'node:crypto';

import { usertourFake } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN, usertourSandboxData } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { type Harness, type HttpAnswer, request, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';

const redisUrl = process.env.REDIS_URL as string;
const SCOPED_KEY = 'scoped-batch-caller-key-0123';
const LIMITED_KEY = 'limited-batch-caller-key-012';
const VEMETRIC_USER = '15241578750190521233';

interface Lookup {
  source: string;
  id: string;
  by?: string;
}

describe('POST /profiles/batch (e2e, real sockets, real Redis)', () => {
  let h: Harness;
  const prefix = `pgw-batch-${randomUUID().slice(0, 8)}`;

  function post(body: unknown, headers: Record<string, string> = {}, key = TEST_API_KEY): Promise<HttpAnswer> {
    return request(
      `${h.url}/profiles/batch`,
      { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) },
    );
  }
  const batch = (lookups: Lookup[], extra: Record<string, unknown> = {}, headers: Record<string, string> = {}, key?: string) =>
    post({ lookups, ...extra }, headers, key);

  beforeAll(async () => {
    h = await startHarness({
      fakes: { vemetric: vemetricFake(vemetricSandboxData), usertour: usertourFake(usertourSandboxData) },
      yaml: (fakes) => `
auth:
  apiKeys:
    - name: e2e
      key: ${TEST_API_KEY}
      sources: ["*"]
    - name: scoped
      key: ${SCOPED_KEY}
      sources: [analytics]
    - name: limited
      key: ${LIMITED_KEY}
      sources: ["*"]
      rateLimit: { limit: 5, window: 1m }
cache:
  redis:
    url: ${redisUrl}
    keyPrefix: ${prefix}
defaults:
  timeout: 1s
  retries: 0
sources:
  analytics:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: ${VEMETRIC_SANDBOX_TOKEN}
  crm:
    kind: usertour
    baseUrl: ${fakes.usertour!.url}
    token: ${USERTOUR_SANDBOX_TOKEN}
`,
    });
  });

  afterAll(async () => {
    await h.close();
  });

  beforeEach(() => {
    for (const fake of Object.values(h.fakes)) fake.reset();
  });

  it('should answer every lookup in request order across sources, fetching a repeated lookup once', async () => {
    const res = await batch([
      { source: 'crm', id: 'usr_123456789' },
      { source: 'analytics', id: 'john@example.com', by: 'externalId' },
      { source: 'crm', id: 'usr_123456789' },
      { source: 'analytics', id: VEMETRIC_USER },
    ]);

    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.body.results.map((r: { source: string; id: string; by: string; status: number }) => [r.source, r.id, r.by, r.status])).toEqual([
      ['crm', 'usr_123456789', 'id', 200],
      ['analytics', 'john@example.com', 'externalId', 200],
      ['crm', 'usr_123456789', 'id', 200],
      ['analytics', VEMETRIC_USER, 'id', 200],
    ]);
    const [first, second, third] = res.body.results;
    expect(first.profile).toMatchObject({ source: 'crm', id: 'usr_123456789', displayName: 'John Doe' });
    expect(first.profile.raw).toBeUndefined();
    expect(second.profile).toMatchObject({ source: 'analytics', id: '4400128813370022', externalId: 'john@example.com' });
    expect(third).toEqual(first);
    expect(typeof first.etag).toBe('string');
    expect(typeof first.cacheStatus).toBe('string');
    expect(h.fakes.usertour!.calls).toHaveLength(1);
    expect(h.fakes.vemetric!.calls).toHaveLength(2);
  });

  it('should answer from the cache that single lookups fill, and add raw with include', async () => {
    await h.get('/profiles/crm/usr_123456789');
    h.fakes.usertour!.reset();

    const res = await batch([{ source: 'crm', id: 'usr_123456789' }], { include: ['raw'] });

    expect(res.body.results[0].status).toBe(200);
    expect(res.body.results[0].cacheStatus).toMatch(/^profile-gateway; hit/);
    expect(res.body.results[0].profile.raw).toMatchObject({ id: 'usr_123456789' });
    expect(h.fakes.usertour!.calls).toHaveLength(0);
  });

  it('should report each failure in its item with the problem a single lookup would have had', async () => {
    h.fakes.usertour!.enqueue({ type: 'status', status: 500, body: { message: 'boom' } });

    const res = await batch(
      [
        { source: 'analytics', id: VEMETRIC_USER },
        { source: 'crm', id: 'broken-user' },
        { source: 'analytics', id: '99999999999' },
        { source: 'analytics', id: 'not-digits' },
        { source: 'nope', id: '1' },
        { source: 'crm', id: 'usr_1', by: 'externalId' },
      ],
      {},
      {},
      TEST_API_KEY,
    );
    const scoped = await batch([{ source: 'analytics', id: VEMETRIC_USER }, { source: 'crm', id: 'usr_123456789' }], {}, {}, SCOPED_KEY);

    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number; problem?: { code: string } }) => [r.status, r.problem?.code])).toEqual([
      [200, undefined],
      [502, 'UPSTREAM_ERROR'],
      [404, 'PROFILE_NOT_FOUND'],
      [400, 'VALIDATION_ERROR'],
      [404, 'SOURCE_NOT_FOUND'],
      [400, 'LOOKUP_NOT_SUPPORTED'],
    ]);
    expect(res.body.results[1].problem).toMatchObject({ status: 502, code: 'UPSTREAM_ERROR', source: 'crm', requestId: expect.any(String) });
    expect(scoped.body.results.map((r: { status: number; problem?: { code: string } }) => [r.status, r.problem?.code])).toEqual([
      [200, undefined],
      [403, 'FORBIDDEN'],
    ]);
  });

  it('should apply the request Cache-Control to every lookup', async () => {
    const res = await batch([{ source: 'analytics', id: '9871362519984412057' }, { source: 'crm', id: 'never-fetched' }], {}, { 'cache-control': 'only-if-cached' });

    expect(res.body.results.map((r: { status: number; problem?: { code: string } }) => [r.status, r.problem?.code])).toEqual([
      [504, 'NOT_CACHED'],
      [504, 'NOT_CACHED'],
    ]);
    expect(h.fakes.vemetric!.calls).toHaveLength(0);
    expect(h.fakes.usertour!.calls).toHaveLength(0);
  });

  it('should count a batch of N against the key as N requests, and refuse a larger one whole without spending', async () => {
    const four = await batch(Array.from({ length: 4 }, () => ({ source: 'analytics', id: VEMETRIC_USER })), {}, {}, LIMITED_KEY);
    const three = await batch(Array.from({ length: 3 }, () => ({ source: 'analytics', id: VEMETRIC_USER })), {}, {}, LIMITED_KEY);
    const single = await h.get(`/profiles/analytics/${VEMETRIC_USER}`, { authorization: `Bearer ${LIMITED_KEY}` });
    const after = await h.get(`/profiles/analytics/${VEMETRIC_USER}`, { authorization: `Bearer ${LIMITED_KEY}` });

    expect(four.status).toBe(200);
    expect(three.status).toBe(429);
    expect(three.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(three.body).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(Number(three.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(single.status).toBe(200);
    expect(after.status).toBe(429);
  });

  it('should refuse a body that is not application/json with 415, and one over 256 KiB with 413', async () => {
    const text = await post('{"lookups":[]}', { 'content-type': 'text/plain' });
    const none = await request(`${h.url}/profiles/batch`, { authorization: `Bearer ${TEST_API_KEY}` }, { method: 'POST' });
    const huge = await post({ lookups: [{ source: 'crm', id: 'x'.repeat(300_000) }] });

    expect([text.status, text.body?.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    expect(none.status).toBe(415);
    expect(none.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect([huge.status, huge.body?.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
  });

  it.each([
    ['an empty list', { lookups: [] }, 'lookups'],
    ['101 lookups', { lookups: Array.from({ length: 101 }, (_, i) => ({ source: 'crm', id: String(i) })) }, 'lookups'],
    ['wrong types', { lookups: [{ source: 'crm', id: 7 }] }, 'lookups[0].id'],
    ['nested junk', { lookups: [{ source: { a: [{ b: {} }] }, id: 'x' }] }, 'lookups[0].source'],
    ['a bad by', { lookups: [{ source: 'crm', id: 'x', by: 'email' }] }, 'lookups[0].by'],
  ])('should answer 400 VALIDATION_ERROR naming the field for %s, looking nothing up', async (_name, body, field) => {
    const res = await post(body);

    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ code: 'VALIDATION_ERROR', requestId: expect.any(String) });
    expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    expect(h.fakes.usertour!.calls).toHaveLength(0);
  });

  it('should answer malformed JSON and duplicate keys without a 500', async () => {
    const malformed = await post('{"lookups": [');
    const duplicate = await post('{"lookups":[{"source":"crm","id":"a"}],"lookups":[{"source":"crm","id":"usr_123456789"}]}');

    expect(malformed.status).toBe(400);
    expect(malformed.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(duplicate.status).toBe(200);
    expect(duplicate.body.results.map((r: { id: string }) => r.id)).toEqual(['usr_123456789']);
  });

  it('should refuse a missing key with 401 before reading the lookups', async () => {
    const res = await request(`${h.url}/profiles/batch`, { 'content-type': 'application/json' }, { method: 'POST', body: '{"lookups":[]}' });

    expect(res.status).toBe(401);
  });

  it('should count each lookup in the request metrics and the batch in its own, and log one line per batch', async () => {
    const logsBefore = h.logs.length;
    await batch([{ source: 'analytics', id: VEMETRIC_USER }, { source: 'analytics', id: '99999999998' }]);
    const metrics = await h.get('/metrics');
    const lines = h.logs.slice(logsBefore).map((l) => JSON.parse(l) as Record<string, unknown>);
    const batchLines = lines.filter((l) => l.url === '/profiles/batch');

    expect(metrics.text).toMatch(/gateway_batch_requests_total\{key="e2e",outcome="ok"\} \d+/);
    expect(metrics.text).toMatch(/gateway_batch_lookups_count \d+/);
    expect(metrics.text).toMatch(/gateway_profile_requests_total\{source="analytics",key="e2e",outcome="PROFILE_NOT_FOUND",cache="[a-z-]+"\} [1-9]/);
    expect(batchLines).toHaveLength(1);
    expect(batchLines[0]).toMatchObject({ method: 'POST', status: 200, batch: { size: 2, statuses: { 200: 1, 404: 1 } } });
  });
});
