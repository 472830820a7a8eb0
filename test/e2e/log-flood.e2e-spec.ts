import { vemetricFake } from '../../sandbox/kinds/vemetric/vemetric.fake.js';
import { VEMETRIC_SANDBOX_TOKEN, vemetricSandboxData } from '../../sandbox/kinds/vemetric/vemetric.sandbox.js';
import { type Harness, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { sleep } from '../support/wait.js';

const IDS = ['15241578750190521233', '9871362519984412057', '4400128813370022'];

/**
 * Issue 17, item 4: during upstream chaos every stale-while-revalidate answer started a background refresh that
 * failed and logged one warning: 2,236 identical lines in 30 s. Identical warnings (per source and code) are now
 * logged once per window with a count.
 */
describe('repeated warnings during upstream chaos (e2e)', () => {
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
    circuitBreaker: { failureThreshold: 1000, halfOpenAfter: 30s }
    cache: { ttl: 100ms, staleWhileRevalidate: 1h, staleIfError: 1h, notFoundTtl: 1m }
`,
    });
  });

  afterAll(async () => {
    await h.close();
  });

  it('should log one line per source and code for 60 failed background refreshes', async () => {
    for (const id of IDS) expect((await h.get(`/profiles/analytics/${id}`)).status).toBe(200);
    await sleep(150);
    h.fakes.vemetric!.setDefault({ type: 'status', status: 503, body: {} });
    const callsBefore = h.fakes.vemetric!.calls.length;

    for (let round = 0; round < 20; round++) {
      const answers = await Promise.all(IDS.map((id) => h.get(`/profiles/analytics/${id}`)));
      // A stale answer (stale-while-revalidate): a hit with a `ttl` of 0 or below, and one background refresh.
      for (const answer of answers) expect(answer.headers.get('cache-status')).toMatch(/^profile-gateway; hit; ttl=(0|-\d+)$/);
      // Lets each background refresh fail before the next round starts another one.
      await sleep(15);
    }
    await sleep(50);

    const refreshes = h.fakes.vemetric!.calls.length - callsBefore;
    const lines = h.logs.map((line) => JSON.parse(line) as { msg: string; source?: string; code?: string }).filter((line) => line.msg.startsWith('Background refresh'));
    expect(refreshes).toBeGreaterThanOrEqual(40);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ source: 'analytics', code: 'UPSTREAM_ERROR', level: 'warn' });
  }, 20_000);
});
