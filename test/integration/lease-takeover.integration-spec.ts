import { writeFileSync } from 'node:fs';
import path from 'node:path';

import { type FakeRequest, type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { usertourFake, type UsertourFakeData } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { tempDir } from '../support/temp-dirs.js';
import { sleep, waitUntil } from '../support/wait.js';

const API_KEY = 'lease-takeover-caller-key-0123456789';
const TIMEOUT_MS = 2_000;
const REDIS_URL = process.env.REDIS_URL as string;

async function ready(gateway: GatewayProcess): Promise<boolean> {
  const response = await fetch(`${gateway.url}/health/ready`).catch(() => undefined);
  if (!response) return false;
  return ((await response.json()) as { status?: string }).status === 'ok';
}

interface Timed {
  status: number;
  cacheStatus: string | null;
  code: string | undefined;
  endedAt: number;
}

async function timedGet(gateway: GatewayProcess, id: string): Promise<Timed> {
  const response = await fetch(`${gateway.url}/profiles/crm/${id}`, { headers: { authorization: `Bearer ${API_KEY}` } });
  const body = (await response.json()) as { code?: string };
  return { status: response.status, cacheStatus: response.headers.get('cache-status'), code: body.code, endedAt: Date.now() };
}

/**
 * Two gateway processes on one real Redis, against one fake upstream whose first call for an id hangs (the holder's
 * call). Every call that reaches the upstream's handler is timed.
 */
describe('the fleet-wide lease with two gateway processes', () => {
  const data: UsertourFakeData = { tokens: [USERTOUR_SANDBOX_TOKEN.slice(3)], users: [] };
  const answered: Array<{ id: string; at: number }> = [];
  let upstream: FakeUpstream;
  let a: GatewayProcess;
  let b: GatewayProcess;

  const callsFor = (id: string): FakeRequest[] => upstream.calls.filter((call) => call.segments[2] === id);

  beforeAll(async () => {
    const fake = usertourFake(data);
    upstream = await startFakeUpstream((request) => {
      answered.push({ id: request.segments[2] ?? '', at: Date.now() });
      return fake(request);
    });
    const configFile = path.join(tempDir('pgw-lease-'), 'gateway.yaml');
    writeFileSync(
      configFile,
      `
server: { shutdownTimeout: 1s }
log: { level: warn }
auth:
  apiKeys:
    - name: lease
      key: ${API_KEY}
      sources: ["*"]
cache:
  redis:
    url: ${REDIS_URL}
    keyPrefix: lease-${process.pid}-${Date.now().toString(36)}
    commandTimeout: 200ms
defaults:
  timeout: ${TIMEOUT_MS}ms
  retries: 0
  cache: { ttl: 1m, staleWhileRevalidate: 0, staleIfError: 0, notFoundTtl: 1m }
sources:
  crm:
    kind: usertour
    baseUrl: ${upstream.url}
    token: ${USERTOUR_SANDBOX_TOKEN}
`,
    );
    [a, b] = await Promise.all([startGatewayProcess({ name: 'A', configFile }), startGatewayProcess({ name: 'B', configFile })]);
    await waitUntil(async () => (await ready(a)) && (await ready(b)), 10_000, 'both gateways to be ready', 5);
  }, 30_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.close();
  });

  const withReport = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
    } catch (error) {
      if (error instanceof Error) error.message = `${error.message}\n\n${a.describe()}\n\n${b.describe()}`;
      throw error;
    }
  };

  it('should answer UPSTREAM_TIMEOUT within timeout + 100 ms, with no call of its own, while a live holder’s call hangs', () =>
    withReport(async () => {
      data.users.push({ id: 'usr_live', attributes: { name: 'Live' }, createdAt: '2025-01-02T03:04:05.000Z' });
      upstream.enqueue({ type: 'hang' }, 1);
      const holder = timedGet(a, 'usr_live');
      await waitUntil(() => callsFor('usr_live').length === 1, 5_000, 'the holder’s upstream call', 5);

      const startedAt = Date.now();
      const waiter = await timedGet(b, 'usr_live');

      expect(waiter).toMatchObject({ status: 504, code: 'UPSTREAM_TIMEOUT' });
      expect(waiter.endedAt - startedAt).toBeLessThan(TIMEOUT_MS + 100);
      expect(callsFor('usr_live')).toHaveLength(1);
      expect((await holder).status).toBe(504);
    }));

  it('should take over within 500 ms when the holder is killed, answer within timeout + 100 ms, and make one upstream call', () =>
    withReport(async () => {
      data.users.push({ id: 'usr_killed', attributes: { name: 'Survivor' }, createdAt: '2025-01-02T03:04:05.000Z' });
      upstream.enqueue({ type: 'hang' }, 1);
      void timedGet(a, 'usr_killed').catch(() => undefined);
      await waitUntil(() => callsFor('usr_killed').length === 1, 5_000, 'the holder’s upstream call', 5);

      const startedAt = Date.now();
      const waiting = timedGet(b, 'usr_killed');
      await sleep(300);
      const killedAt = Date.now();
      a.child.kill('SIGKILL');
      const waiter = await waiting;
      const takeover = answered.find((call) => call.id === 'usr_killed');

      expect(waiter).toMatchObject({ status: 200, cacheStatus: 'profile-gateway; fwd=miss; stored' });
      expect(waiter.endedAt - startedAt).toBeLessThan(TIMEOUT_MS + 100);
      expect(takeover).toBeDefined();
      const takeoverMs = takeover!.at - killedAt;
      expect(takeoverMs).toBeLessThan(500);
      // One call by the killed holder (it hung), one by the waiter that took over.
      expect(callsFor('usr_killed')).toHaveLength(2);
      process.stdout.write(`lease takeover after kill -9: ${takeoverMs} ms; waiter answered in ${waiter.endedAt - startedAt} ms\n`);
    }));
});
