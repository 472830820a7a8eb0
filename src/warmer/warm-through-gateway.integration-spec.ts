import { Readable } from 'node:stream';

import { usertourFake } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN, usertourSandboxData } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { type Harness, startHarness, TEST_API_KEY } from '../../test/support/gateway-harness.js';
import { runWarmCommand } from './warm-command.js';

function streams(env: NodeJS.ProcessEnv, ids: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      env,
      stdin: Readable.from([ids.join('\n') + '\n']),
      stdout: { write: (text: string) => out.push(text) },
      stderr: { isTTY: false, write: (text: string) => err.push(text) },
    },
  };
}

const KNOWN = usertourSandboxData.users.map((user) => user.id);
const READER_KEY = 'reader-warm-key-0123456789';

/**
 * Issue 17, item 7: `warm --gateway <url>` warms any deployment (here a memory-only one, which the in-process warmer
 * refuses) through its HTTP API with the caller key of GATEWAY_API_KEY, within that key's rate limit.
 */
describe('warm --gateway (integration)', () => {
  let h: Harness;

  beforeAll(async () => {
    h = await startHarness({
      fakes: { usertour: usertourFake(usertourSandboxData) },
      yaml: (fakes) => `
auth:
  apiKeys:
    - { name: warmer, key: ${TEST_API_KEY}, sources: ["crm"], rateLimit: { limit: 3, window: 1s }, actions: [read, purge] }
    - { name: reader, key: ${READER_KEY}, sources: ["crm"] }
sources:
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

  beforeEach(() => h.fakes.usertour!.reset());

  it('should refresh every id with no-cache lookups, pausing for the caller key rate limit instead of failing ids', async () => {
    const ids = [...KNOWN, ...Array.from({ length: 9 - KNOWN.length }, (_, i) => `nobody-${i}`)];
    const { out, err, io } = streams({ GATEWAY_API_KEY: TEST_API_KEY }, ids);
    const started = Date.now();

    const code = await runWarmCommand(['--gateway', `${h.url}/`, '--source', 'crm', '--ids', '-', '--json'], io);

    const summary = JSON.parse(out.join('')) as { counts: { refreshed: number; notFound: number }; failures: unknown[] };
    expect({ code, failures: summary.failures }).toStrictEqual({ code: 0, failures: [] });
    expect(summary.counts.refreshed + summary.counts.notFound).toBe(ids.length);
    expect(h.fakes.usertour!.calls).toHaveLength(ids.length);
    for (const call of h.fakes.usertour!.calls) expect(call.headers.authorization).toBe(`Bearer ${USERTOUR_SANDBOX_TOKEN}`);
    // 3 lookups per second for this key: 9 ids need two resets.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_800);
    expect(err.join('')).toContain('pausing until');
    const cached = await h.get(`/profiles/crm/${encodeURIComponent(KNOWN[0]!)}`, { 'cache-control': 'only-if-cached' });
    expect([200, 429]).toContain(cached.status);
  }, 30_000);

  it('should purge each id through DELETE before refilling it with --purge-first, and fail ids for a key without purge', async () => {
    const purger = streams({ GATEWAY_API_KEY: TEST_API_KEY }, [KNOWN[0]!]);
    const reader = streams({ GATEWAY_API_KEY: READER_KEY }, [KNOWN[0]!]);

    const purged = await runWarmCommand(['--gateway', h.url, '--source', 'crm', '--ids', '-', '--purge-first', '--json'], purger.io);
    const calls = h.fakes.usertour!.calls.length;
    const refused = await runWarmCommand(['--gateway', h.url, '--source', 'crm', '--ids', '-', '--purge-first', '--json'], reader.io);

    expect(purged).toBe(0);
    expect(JSON.parse(purger.out.join(''))).toMatchObject({ counts: { refreshed: 1 }, failures: [] });
    expect(calls).toBe(1);
    expect(refused).toBe(2);
    expect(JSON.parse(reader.out.join(''))).toMatchObject({ failures: [{ id: KNOWN[0], code: 'FORBIDDEN' }] });
    expect(h.fakes.usertour!.calls).toHaveLength(1);
  }, 30_000);

  it('should fail ids with UNAUTHORIZED without a valid caller key, and exit 2', async () => {
    const { out, io } = streams({ GATEWAY_API_KEY: 'not-a-key-of-this-gateway' }, [KNOWN[0]!]);

    const code = await runWarmCommand(['--gateway', h.url, '--source', 'crm', '--ids', '-', '--json'], io);

    expect(code).toBe(2);
    expect(JSON.parse(out.join(''))).toMatchObject({ failures: [{ id: KNOWN[0], code: 'UNAUTHORIZED' }] });
    expect(h.fakes.usertour!.calls).toHaveLength(0);
  });

  it('should say so and exit 2 when the gateway is not reachable', async () => {
    const { out, io } = streams({ GATEWAY_API_KEY: TEST_API_KEY }, [KNOWN[0]!]);

    const code = await runWarmCommand(['--gateway', 'http://127.0.0.1:9', '--source', 'crm', '--ids', '-', '--json'], io);

    expect(code).toBe(2);
    expect(JSON.parse(out.join(''))).toMatchObject({ failures: [{ code: 'UPSTREAM_ERROR', message: expect.stringContaining('unreachable') }] });
  });

  it('should refuse a --gateway that is not an http(s) URL as a usage error', async () => {
    const { err, io } = streams({}, []);

    expect(await runWarmCommand(['--gateway', 'ftp://x', '--source', 'crm', '--ids', '-'], io)).toBe(1);
    expect(err.join('')).toContain('--gateway must be an http(s) URL');
  });
});
