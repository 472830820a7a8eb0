import { usertourFake } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN, usertourSandboxData } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { type Harness, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';

/** Upstream failures as callers see them: status, code and Retry-After (contract section 4). */
describe('upstream failures over HTTP (e2e)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      fakes: { vemetric: vemetricFake(vemetricSandboxData), usertour: usertourFake(usertourSandboxData), other: usertourFake(usertourSandboxData) },
      yaml: (fakes) => `
auth:
  apiKeys: [{ name: e2e, key: ${TEST_API_KEY}, sources: ["*"] }]
defaults:
  timeout: 1s
  retries: 2
  cache: { ttl: 1m, staleWhileRevalidate: 0, staleIfError: 0, notFoundTtl: 1m }
sources:
  analytics:
    kind: vemetric
    baseUrl: ${fakes.vemetric!.url}
    token: ${VEMETRIC_SANDBOX_TOKEN}
  crm:
    kind: usertour
    baseUrl: ${fakes.usertour!.url}
    token: ${USERTOUR_SANDBOX_TOKEN}
    circuitBreaker: { failureThreshold: 2, halfOpenAfter: 30s }
  crm-other:
    kind: usertour
    baseUrl: ${fakes.other!.url}
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

  it('should answer 504 UPSTREAM_TIMEOUT within the budget when the upstream hangs', async () => {
    h.fakes.vemetric!.setDefault({ type: 'hang' });
    const started = Date.now();

    const res = await h.get('/profiles/analytics/15241578750190521233', { 'cache-control': 'no-cache' });

    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ code: 'UPSTREAM_TIMEOUT', source: 'analytics' });
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('should retry a 503 and answer the profile when the upstream recovers', async () => {
    h.fakes.vemetric!.enqueue({ type: 'status', status: 503, body: {} }, 2);

    const res = await h.get('/profiles/analytics/9871362519984412057', { 'cache-control': 'no-cache' });

    expect(res.status).toBe(200);
    expect(h.fakes.vemetric!.calls).toHaveLength(3);
  });

  it('should answer 503 UPSTREAM_RATE_LIMITED with Retry-After and then stop calling until the announced reset', async () => {
    const reset = String(Math.ceil(Date.now() / 1000) + 30);
    const headers = { 'x-ratelimit-limit': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset };
    h.fakes.vemetric!.setDefault({ type: 'status', status: 429, body: { error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded. Try again shortly.' } }, headers });

    const first = await h.get('/profiles/analytics/4400128813370022', { 'cache-control': 'no-cache' });
    const callsAfterFirst = h.fakes.vemetric!.calls.length;
    const second = await h.get('/profiles/analytics/15241578750190521233', { 'cache-control': 'no-cache' });

    expect(first.status).toBe(503);
    expect(first.body.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(Number(first.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(second.status).toBe(503);
    expect(second.body.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(h.fakes.vemetric!.calls.length).toBe(callsAfterFirst);
  });

  it('should open the circuit after consecutive failures, fail fast with 503 and Retry-After, and keep other sources served', async () => {
    h.fakes.usertour!.setDefault({ type: 'status', status: 500, body: {} });
    await h.get('/profiles/crm/a', { 'cache-control': 'no-cache' });
    await h.get('/profiles/crm/b', { 'cache-control': 'no-cache' });
    const callsBefore = h.fakes.usertour!.calls.length;

    const open = await h.get('/profiles/crm/c', { 'cache-control': 'no-cache' });
    const other = await h.get('/profiles/crm-other/usr_123456789');
    const ready = await h.get('/health/ready');

    expect(open.status).toBe(503);
    expect(open.body).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', source: 'crm' });
    expect(Number(open.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(h.fakes.usertour!.calls.length).toBe(callsBefore);
    expect(other.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(ready.body.details.sources.sources.crm.circuit).toBe('open');
  });

  it('should answer 502 UPSTREAM_BAD_RESPONSE for a body over the size limit', async () => {
    h.fakes.other!.enqueue({ type: 'huge', bytes: 5 * 1024 * 1024 });

    const res = await h.get('/profiles/crm-other/usr_123456789', { 'cache-control': 'no-cache' });

    expect(res.status).toBe(502);
    expect(res.body.code).toBe('UPSTREAM_BAD_RESPONSE');
  });
});
