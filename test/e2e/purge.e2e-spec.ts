import type { OrgDirectoryFakeData } from '../../sandbox/kinds/org-directory/org-directory.fake.js';
import { orgDirectoryFake } from '../../sandbox/kinds/org-directory/org-directory.fake.js';
import { ORG_DIRECTORY_SANDBOX_TOKEN, orgDirectorySandboxData } from '../../sandbox/kinds/org-directory/org-directory.sandbox.js';
import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { type Harness, request, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { sleep } from '../support/wait.js';

const READER_KEY = 'reader-key-0123456789abcdef';
const SCOPED_PURGER_KEY = 'scoped-purger-key-0123456789';
const MISS = 'profile-gateway; fwd=miss; stored';
/** Log lines are written asynchronously: waits up to 2 s for one that matches. */
async function logged(h: Harness, matches: (line: string) => boolean): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    if (h.logs.some(matches)) return true;
    await sleep(20);
  }
  return false;
}

/** Purge (contract §8) through the whole app, over real sockets, with the real Redis. */
describe('purge over HTTP (e2e, real Redis)', () => {
  let h: Harness;
  // The org fake serves these users live: a spec changes a user "upstream" by editing them.
  const org: OrgDirectoryFakeData = structuredClone(orgDirectorySandboxData);
  const firstNameOf4 = org.users.find((u) => u.id === 4)!.firstName as string;

  const del = (path: string, key = TEST_API_KEY) => request(h.url + path, { authorization: `Bearer ${key}` }, { method: 'DELETE' });
  const setFirstName = (id: number, firstName: string): void => {
    org.users.find((u) => u.id === id)!.firstName = firstName;
  };

  beforeAll(async () => {
    h = await startHarness({
      fakes: { org: orgDirectoryFake(org), vemetric: vemetricFake(vemetricSandboxData) },
      yaml: (fakes) => `
auth:
  apiKeys:
    - { name: admin, key: ${TEST_API_KEY}, sources: ["*"], actions: [read, purge] }
    - { name: reader, key: ${READER_KEY}, sources: ["*"] }
    - { name: scoped-purger, key: ${SCOPED_PURGER_KEY}, sources: [dir], actions: [read, purge] }
cache:
  redis: { url: "${process.env.REDIS_URL}", keyPrefix: "e2e-purge-${Date.now()}" }
defaults:
  timeout: 2s
  retries: 0
  cache: { ttl: 1m, staleWhileRevalidate: 0, staleIfError: 0, notFoundTtl: 1m }
sources:
  dir:
    kind: org-directory
    baseUrl: ${fakes.org!.url}
    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}
  other:
    kind: org-directory
    baseUrl: ${fakes.org!.url}
    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}
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

  beforeEach(() => {
    h.fakes.org!.reset();
    h.fakes.vemetric!.reset();
    setFirstName(4, firstNameOf4);
  });

  it('should purge one entry so the next GET is a miss with the upstream data of now', async () => {
    await h.get('/profiles/dir/4');
    expect((await h.get('/profiles/dir/4')).headers.get('cache-status')).toMatch(/hit/);
    setFirstName(4, 'Renamed');

    const purge = await del('/profiles/dir/4');
    const next = await h.get('/profiles/dir/4');

    expect(purge.status).toBe(204);
    expect(purge.text).toBe('');
    expect(next.headers.get('cache-status')).toBe(MISS);
    expect(next.body.givenName).toBe('Renamed');
    expect(await logged(h, (line) => /"purge":\{"scope":"entry","source":"dir","by":"id","id":"4","reach":"shared"\}/.test(line) && /"keyName":"admin"/.test(line))).toBe(true);
  });

  it('should answer 204 to a purge of nothing cached, and again to the same purge (idempotent)', async () => {
    expect((await del('/profiles/dir/99')).status).toBe(204);
    expect((await del('/profiles/dir/99')).status).toBe(204);
    await h.get('/profiles/dir/4');
    expect((await del('/profiles/dir/4')).status).toBe(204);
    expect((await del('/profiles/dir/4')).status).toBe(204);
    expect((await h.get('/profiles/dir/4')).headers.get('cache-status')).toBe(MISS);
  });

  it('should purge a cached 404', async () => {
    const first = await h.get('/profiles/dir/424242');
    const cached = await h.get('/profiles/dir/424242');
    expect(first.status).toBe(404);
    expect(cached.headers.get('cache-status')).toMatch(/hit/);

    expect((await del('/profiles/dir/424242')).status).toBe(204);
    const next = await h.get('/profiles/dir/424242');

    expect(next.status).toBe(404);
    expect(next.headers.get('cache-status')).toBe(MISS);
    expect(h.fakes.org!.calls).toHaveLength(2);
  });

  it('should purge a by=externalId entry apart from the id entry', async () => {
    await h.get('/profiles/analytics/user-3?by=externalId');
    await h.get('/profiles/analytics/15241578750190521233');

    expect((await del('/profiles/analytics/user-3?by=externalId')).status).toBe(204);

    expect((await h.get('/profiles/analytics/user-3?by=externalId')).headers.get('cache-status')).toBe(MISS);
    expect((await h.get('/profiles/analytics/15241578750190521233')).headers.get('cache-status')).toMatch(/hit/);
  });

  it('should purge a whole source and leave the other sources cached', async () => {
    await h.get('/profiles/dir/4');
    await h.get('/profiles/dir/424242');
    await h.get('/profiles/other/4');

    const purge = await del('/profiles/dir');

    expect(purge.status).toBe(204);
    expect((await h.get('/profiles/dir/4')).headers.get('cache-status')).toBe(MISS);
    expect((await h.get('/profiles/dir/424242')).headers.get('cache-status')).toBe(MISS);
    expect((await h.get('/profiles/other/4')).headers.get('cache-status')).toMatch(/hit/);
    expect(await logged(h, (line) => /"purge":\{"scope":"source","source":"dir","reach":"shared"\}/.test(line) && /"level":30|"level":"info"/.test(line))).toBe(true);
    const metrics = await request(`${h.url}/metrics`);
    expect(metrics.text).toMatch(/gateway_cache_purges_total\{source="dir",scope="source"\} [1-9]/);
    expect(metrics.text).toMatch(/gateway_cache_purges_total\{source="dir",scope="entry"\} [1-9]/);
    // Purges are not profile reads: none of them is counted as a profile request answered 204.
    expect(metrics.text).not.toMatch(/gateway_profile_requests_total\{[^}]*outcome="http_204"/);
  });

  it('should refuse a key without purge, and a purging key outside its sources, with 403 FORBIDDEN', async () => {
    await h.get('/profiles/other/4');

    const reader = await del('/profiles/dir/4', READER_KEY);
    const readerSource = await del('/profiles/dir', READER_KEY);
    const scoped = await del('/profiles/other/4', SCOPED_PURGER_KEY);
    const scopedSource = await del('/profiles/other', SCOPED_PURGER_KEY);

    for (const answer of [reader, readerSource, scoped, scopedSource]) {
      expect(answer.status).toBe(403);
      expect(answer.body.code).toBe('FORBIDDEN');
    }
    expect(reader.body.detail).toMatch(/may not purge/);
    expect((await h.get('/profiles/other/4')).headers.get('cache-status')).toMatch(/hit/);
    expect((await del('/profiles/dir/4', SCOPED_PURGER_KEY)).status).toBe(204);
  });

  it('should answer 401 without a key', async () => {
    const answer = await request(`${h.url}/profiles/dir/4`, {}, { method: 'DELETE' });
    expect(answer.status).toBe(401);
    expect(answer.body.code).toBe('UNAUTHORIZED');
  });

  it('should answer 404 SOURCE_NOT_FOUND for an unknown source, and 400 for an id the kind refuses', async () => {
    const unknownEntry = await del('/profiles/nope/4');
    const unknownSource = await del('/profiles/nope');
    const badId = await del('/profiles/dir/not-a-number');
    const badBy = await del('/profiles/dir/4?by=email');
    const unsupported = await del('/profiles/dir/4?by=externalId');

    expect([unknownEntry.body.code, unknownSource.body.code]).toEqual(['SOURCE_NOT_FOUND', 'SOURCE_NOT_FOUND']);
    expect(badId.status).toBe(400);
    expect(badId.body.code).toBe('VALIDATION_ERROR');
    expect(badBy.body.code).toBe('VALIDATION_ERROR');
    expect(unsupported.body.code).toBe('LOOKUP_NOT_SUPPORTED');
  });

  it('should not bring the data of a fetch in flight during the purge back as a hit', async () => {
    h.fakes.org!.setLatency(600);
    const inFlight = h.get('/profiles/dir/4');
    await sleep(200);
    expect((await del('/profiles/dir/4')).status).toBe(204);
    // A request that joins after the purge does not wait on the call that started before it.
    const afterPurge = h.get('/profiles/dir/4');
    const waiting = await inFlight;
    await afterPurge;
    h.fakes.org!.setLatency(0);

    const next = await h.get('/profiles/dir/4');

    // The waiting request gets the call's answer, as a miss that was not stored.
    expect(waiting.status).toBe(200);
    expect(waiting.headers.get('cache-status')).toBe('profile-gateway; fwd=miss');
    expect(h.fakes.org!.calls).toHaveLength(2);
    expect(next.headers.get('cache-status')).toMatch(/^profile-gateway; hit; /);
    expect(next.body.meta.fetchedAt).toBe((await afterPurge).body.meta.fetchedAt);
  });

  it('should answer 405 with Allow for a method the purge paths do not serve', async () => {
    const answer = await request(`${h.url}/profiles/dir`, { authorization: `Bearer ${TEST_API_KEY}` }, { method: 'PUT' });
    expect(answer.status).toBe(405);
    expect(answer.headers.get('allow')).toContain('DELETE');
  });
});
