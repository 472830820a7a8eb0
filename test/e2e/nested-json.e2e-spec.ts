import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { type Harness, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';

/** A Vemetric 200 body whose `data` is nested `depth` objects deep (about 2 bytes per level). */
function nestedVemetricBody(id: string, depth: number): string {
  return `{"user":{"id":"${id}","identifier":null,"displayName":"Deep","country":null,"city":null,"lastSeenAt":null,"avatarUrl":null,"anonymous":false,"data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
}

/** Issue 17, item 1: an upstream body nested thousands of levels deep is a bad response, never a 500. */
describe('deeply nested upstream JSON (e2e)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      fakes: { vemetric: vemetricFake(vemetricSandboxData) },
      yaml: (fakes) => `
auth:
  apiKeys: [{ name: e2e, key: ${TEST_API_KEY}, sources: ["*"] }]
defaults:
  timeout: 1s
  retries: 0
sources:
  analytics:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: ${VEMETRIC_SANDBOX_TOKEN}
    cache: { ttl: 200ms, staleWhileRevalidate: 0, staleIfError: 1h, notFoundTtl: 1m }
`,
    });
  });

  afterAll(async () => {
    await h.close();
  });

  beforeEach(() => h.fakes.vemetric!.reset());

  it.each([2_500, 100_000])('should answer 502 UPSTREAM_BAD_RESPONSE for a data object nested %i levels deep', async (depth) => {
    h.fakes.vemetric!.setDefault({ type: 'status', status: 200, body: nestedVemetricBody('15241578750190521233', depth) });

    const res = await h.get('/profiles/analytics/15241578750190521233', { 'cache-control': 'no-cache' });

    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE', source: 'analytics' });
  });

  it('should serve the stale copy (stale-if-error) when a cached profile comes back nested too deeply', async () => {
    const first = await h.get('/profiles/analytics/4400128813370022');
    expect(first.status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 300));
    h.fakes.vemetric!.setDefault({ type: 'status', status: 200, body: nestedVemetricBody('4400128813370022', 2_500) });

    const stale = await h.get('/profiles/analytics/4400128813370022');

    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-status')).toBe('profile-gateway; fwd=stale; fwd-status=200; detail=stale-if-error');
    expect(stale.body.displayName).toBe('John Doe');
    expect(h.fakes.vemetric!.calls).toHaveLength(2);
  });

  it('should still answer a profile whose data is nested moderately deep, with raw and an ETag, and 304 on revalidation', async () => {
    h.fakes.vemetric!.setDefault({ type: 'status', status: 200, body: nestedVemetricBody('9871362519984412057', 40) });

    const res = await h.get('/profiles/analytics/9871362519984412057?include=raw', { 'cache-control': 'no-cache' });
    const etag = res.headers.get('etag');
    const revalidated = await h.get('/profiles/analytics/9871362519984412057', { 'if-none-match': etag ?? '' });

    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body.attributes).length).toBeGreaterThan(200);
    expect(res.body.raw.user.data).toEqual(res.body.attributes);
    expect(etag).toMatch(/^W\/"/);
    expect(revalidated.status).toBe(304);
  });
});
