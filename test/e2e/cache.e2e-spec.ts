import { orgDirectoryFake } from '../../sandbox/kinds/org-directory/org-directory.fake.js';
import { ORG_DIRECTORY_SANDBOX_TOKEN, orgDirectorySandboxData } from '../../sandbox/kinds/org-directory/org-directory.sandbox.js';
import { type Harness, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { sleep } from '../support/wait.js';

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
  long:
    kind: org-directory
    baseUrl: ${fakes.org!.url}
    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}
    cache: { ttl: 1m, staleWhileRevalidate: 0, staleIfError: 1h, notFoundTtl: 5s }
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
      // v2: a stale hit has a negative (or, under a second past freshness, zero) ttl, and no fwd.
      expect(answer.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=(0|-\d+)$/);
      expect(answer.headers.get('cache-control')).toBe('private, max-age=0');
      expect(Number(answer.headers.get('age'))).toBeGreaterThanOrEqual(0);
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
    // v2: fwd-status only when the upstream answered with a status.
    expect(timedOut.headers.get('cache-status')).toBe('profile-gateway; fwd=stale; detail=stale-if-error');
  });

  it('should cache a 404 for notFoundTtl, with Cache-Status, Age and Cache-Control, labelled negative-hit in the metrics', async () => {
    const first = await h.get('/profiles/swr/424242');
    const second = await h.get('/profiles/swr/424242');

    expect([first.status, second.status]).toEqual([404, 404]);
    expect(second.body.code).toBe('PROFILE_NOT_FOUND');
    expect(h.fakes.org!.calls).toHaveLength(1);
    expect(first.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(first.headers.get('cache-status')).toBe('profile-gateway; fwd=miss; stored');
    expect(second.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=[45]$/);
    for (const answer of [first, second]) {
      expect(answer.headers.get('cache-control')).toBe('private, max-age=5');
      expect(answer.headers.get('age')).toBe('0');
    }
    const metrics = (await h.get('/metrics')).text;
    expect(metrics).toMatch(/gateway_profile_requests_total\{source="swr",key="e2e",outcome="PROFILE_NOT_FOUND",cache="negative-hit"\} 1/);
    expect(metrics).toMatch(/gateway_cache_outcomes_total\{source="swr",outcome="negative-hit"\} 1/);
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

  describe('caller freshness directives', () => {
    it('should use a copy within max-age, and refetch an older one as fwd=request', async () => {
      await h.get('/profiles/long/4', { 'cache-control': 'no-cache' });
      await sleep(1_100);
      h.fakes.org!.reset();

      const young = await h.get('/profiles/long/4', { 'cache-control': 'max-age=30' });
      const tooOld = await h.get('/profiles/long/4', { 'cache-control': 'max-age=1' });
      const after = await h.get('/profiles/long/4');

      expect(young.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=5\d$/);
      expect(tooOld.status).toBe(200);
      expect(tooOld.headers.get('cache-status')).toBe('profile-gateway; fwd=request; stored');
      expect(tooOld.headers.get('age')).toBe('0');
      expect(tooOld.headers.get('cache-control')).toBe('private, max-age=60');
      expect(after.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=(59|60)$/);
      expect(h.fakes.org!.calls).toHaveLength(1);
    });

    it('should refetch a copy that would not stay fresh for min-fresh seconds', async () => {
      await h.get('/profiles/long/17', { 'cache-control': 'no-cache' });
      h.fakes.org!.reset();

      const enough = await h.get('/profiles/long/17', { 'cache-control': 'min-fresh=30' });
      const tooClose = await h.get('/profiles/long/17', { 'cache-control': 'min-fresh=600' });

      expect(enough.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=/);
      expect(tooClose.headers.get('cache-status')).toBe('profile-gateway; fwd=request; stored');
      expect(h.fakes.org!.calls).toHaveLength(1);
    });

    it('should return the error of a failed max-age refetch, and the copy only when max-stale is also given', async () => {
      await h.get('/profiles/long/4', { 'cache-control': 'no-cache' });
      await sleep(1_100);
      h.fakes.org!.setDefault({ type: 'status', status: 503, body: { status: 503 } });

      const strict = await h.get('/profiles/long/4', { 'cache-control': 'max-age=0' });
      const lenient = await h.get('/profiles/long/4', { 'cache-control': 'max-age=0, max-stale' });

      expect(strict.status).toBe(502);
      expect(strict.body.code).toBe('UPSTREAM_ERROR');
      expect(lenient.status).toBe(200);
      expect(lenient.headers.get('cache-status')).toBe('profile-gateway; fwd=stale; fwd-status=503; detail=stale-if-error');
    });

    it('should answer a copy past its freshness at once for max-stale and refresh it once in the background', async () => {
      await h.get('/profiles/sie/4', { 'cache-control': 'no-cache' });
      await sleep(1_400);
      h.fakes.org!.reset();
      h.fakes.org!.setLatency(300);

      const started = Date.now();
      const stale = await Promise.all([h.get('/profiles/sie/4', { 'cache-control': 'max-stale' }), h.get('/profiles/sie/4', { 'cache-control': 'max-stale=3600' })]);
      const elapsed = Date.now() - started;
      const tooStale = h.get('/profiles/sie/4', { 'cache-control': 'max-stale=0' });
      await sleep(500);

      expect(elapsed).toBeLessThan(250);
      for (const answer of stale) {
        expect(answer.status).toBe(200);
        expect(answer.headers.get('cache-status')).toBe('profile-gateway; hit; ttl=-1');
      }
      expect((await tooStale).headers.get('cache-status')).toMatch(/^profile-gateway; fwd=miss; stored(; collapsed)?$/);
      expect(h.fakes.org!.calls).toHaveLength(1);
    });

    it('should answer only-if-cached with max-stale from a copy kept for stale-if-error, without calling', async () => {
      await h.get('/profiles/sie/17', { 'cache-control': 'no-cache' });
      await sleep(1_400);
      h.fakes.org!.reset();

      const answer = await h.get('/profiles/sie/17', { 'cache-control': 'only-if-cached, max-stale' });
      await sleep(100);

      expect(answer.status).toBe(200);
      expect(answer.headers.get('cache-status')).toBe('profile-gateway; hit; ttl=-1');
      expect(h.fakes.org!.calls).toHaveLength(0);
    });

    it('should ignore a known directive with a malformed value, as an unknown one', async () => {
      await h.get('/profiles/long/17', { 'cache-control': 'no-cache' });
      h.fakes.org!.reset();

      const answers = await Promise.all(
        ['max-age=soon', 'max-age', 'min-fresh=-1', 'max-stale=1.5', 'no-cache=1', 'stale-if-error=5'].map((value) => h.get('/profiles/long/17', { 'cache-control': value })),
      );

      for (const answer of answers) expect(answer.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=/);
      expect(h.fakes.org!.calls).toHaveLength(0);
    });

    it('should answer 504 NOT_CACHED for only-if-cached with no-cache, and for only-if-cached with a too old copy', async () => {
      await h.get('/profiles/long/4', { 'cache-control': 'no-cache' });
      await sleep(1_100);
      h.fakes.org!.reset();

      const both = await h.get('/profiles/long/4', { 'cache-control': 'no-cache, only-if-cached' });
      const tooOld = await h.get('/profiles/long/4', { 'cache-control': 'only-if-cached, max-age=1' });

      expect([both.status, tooOld.status]).toEqual([504, 504]);
      expect([both.body.code, tooOld.body.code]).toEqual(['NOT_CACHED', 'NOT_CACHED']);
      expect(h.fakes.org!.calls).toHaveLength(0);
    });
  });
});
