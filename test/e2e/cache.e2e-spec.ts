import { orgDirectoryFake } from '../../sandbox/kinds/org-directory/org-directory.fake.js';
import { ORG_DIRECTORY_SANDBOX_TOKEN, orgDirectorySandboxData } from '../../sandbox/kinds/org-directory/org-directory.sandbox.js';
import { type Harness, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The cache's HTTP semantics (contract sections 1, 4 and 5) through the whole app, with the real Redis. */
describe('profile caching over HTTP (e2e, real Redis)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      fakes: { org: orgDirectoryFake(orgDirectorySandboxData) },
      yaml: (fakes) => `
auth:
  apiKeys: [{ name: e2e, key: ${TEST_API_KEY}, sources: ["*"] }]
cache:
  redis: { url: "${process.env.REDIS_URL}", keyPrefix: "e2e-cache-${Date.now()}" }
  memory: { ttl: 300ms }
defaults:
  timeout: 1s
  retries: 0
sources:
  swr:
    kind: org-directory
    baseUrl: ${fakes.org!.url}
    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}
    cache: { ttl: 300ms, staleWhileRevalidate: 5s, staleIfError: 0, notFoundTtl: 5s }
  sie:
    kind: org-directory
    baseUrl: ${fakes.org!.url}
    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}
    cache: { ttl: 300ms, staleWhileRevalidate: 0, staleIfError: 1h, notFoundTtl: 5s }
`,
    });
  });

  afterAll(async () => {
    await h.close();
  });

  beforeEach(() => {
    h.fakes.org!.reset();
  });

  it('should make one upstream call for 200 concurrent cold requests and mark the followers collapsed', async () => {
    h.fakes.org!.setLatency(400);

    const answers = await Promise.all(Array.from({ length: 200 }, () => h.get('/profiles/swr/17')));

    const statuses = answers.map((a) => a.headers.get('cache-status'));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(h.fakes.org!.calls).toHaveLength(1);
    expect(statuses.filter((s) => s === 'profile-gateway; fwd=miss; stored')).toHaveLength(1);
    // Followers that arrive while the call runs wait on it; any that the client sends after it ended are plain hits.
    const collapsed = statuses.filter((s) => s === 'profile-gateway; fwd=miss; stored; collapsed').length;
    const hits = statuses.filter((s) => /^profile-gateway; hit; ttl=\d+$/.test(s ?? '')).length;
    expect(collapsed + hits).toBe(199);
    expect(collapsed).toBeGreaterThan(100);
  });

  it('should answer stale at once within staleWhileRevalidate and refresh once in the background', async () => {
    await h.get('/profiles/swr/4', { 'cache-control': 'no-cache' });
    await sleep(400);
    h.fakes.org!.reset();

    const stale = await Promise.all([h.get('/profiles/swr/4'), h.get('/profiles/swr/4'), h.get('/profiles/swr/4')]);
    await sleep(200);
    const fresh = await h.get('/profiles/swr/4');

    for (const answer of stale) {
      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-status')).toMatch(/^profile-gateway; hit; fwd=stale; detail=stale-while-revalidate/);
      expect(answer.headers.get('cache-control')).toBe('private, max-age=0');
    }
    expect(h.fakes.org!.calls).toHaveLength(1);
    expect(fresh.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=\d+$/);
  });

  it('should serve the stale copy when the upstream fails, with the upstream status, but not for no-cache', async () => {
    await h.get('/profiles/sie/17', { 'cache-control': 'no-cache' });
    await sleep(400);
    h.fakes.org!.setDefault({ type: 'status', status: 503, body: { status: 503 } });

    const stale = await h.get('/profiles/sie/17');
    const refresh = await h.get('/profiles/sie/17', { 'cache-control': 'no-cache' });
    h.fakes.org!.setDefault({ type: 'hang' });
    const timedOut = await h.get('/profiles/sie/17');

    expect(stale.status).toBe(200);
    expect(stale.headers.get('cache-status')).toBe('profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error');
    expect(Number(stale.headers.get('age'))).toBeGreaterThanOrEqual(0);
    expect(stale.body.id).toBe('17');
    expect(refresh.status).toBe(502);
    expect(refresh.body.code).toBe('UPSTREAM_ERROR');
    expect(timedOut.status).toBe(200);
    expect(timedOut.headers.get('cache-status')).toBe('profile-gateway; fwd=stale; fwd-status=0; detail=stale-if-error');
  });

  it('should cache a 404 for notFoundTtl', async () => {
    const first = await h.get('/profiles/swr/424242');
    const second = await h.get('/profiles/swr/424242');

    expect([first.status, second.status]).toEqual([404, 404]);
    expect(second.body.code).toBe('PROFILE_NOT_FOUND');
    expect(h.fakes.org!.calls).toHaveLength(1);
  });

  it('should answer only-if-cached from the cache and 504 NOT_CACHED without calling the upstream', async () => {
    await h.get('/profiles/swr/17', { 'cache-control': 'no-cache' });
    h.fakes.org!.reset();

    const cached = await h.get('/profiles/swr/17', { 'cache-control': 'only-if-cached' });
    const missing = await h.get('/profiles/swr/99', { 'cache-control': 'only-if-cached' });

    expect(cached.status).toBe(200);
    expect(missing.status).toBe(504);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ code: 'NOT_CACHED', source: 'swr' });
    expect(h.fakes.org!.calls).toHaveLength(0);
  });

  it('should not answer only-if-cached with a copy kept only as a stale-if-error fallback', async () => {
    await h.get('/profiles/sie/4', { 'cache-control': 'no-cache' });
    await sleep(350);
    h.fakes.org!.reset();
    h.fakes.org!.setDefault({ type: 'status', status: 500, body: {} });

    const fallbackOnly = await h.get('/profiles/sie/4', { 'cache-control': 'only-if-cached' });

    expect(fallbackOnly.status).toBe(504);
    expect(fallbackOnly.body.code).toBe('NOT_CACHED');
    expect(h.fakes.org!.calls).toHaveLength(0);
  });
});
