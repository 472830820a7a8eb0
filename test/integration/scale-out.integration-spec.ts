import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { Cluster } from 'ioredis';

import { type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { usertourFake,type UsertourFakeData, type UsertourFakeUser } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { profileCacheKey } from '../../src/cache/cache-keys.js';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { type RedisClusterProcess, startRedisCluster } from '../support/redis-cluster.mjs';
import { freePort } from '../support/redis-server.mjs';
import { sleep, waitUntil } from '../support/wait.js';

const API_KEY = 'scale-out-caller-key-0123456789';
const UPSTREAM_LATENCY_MS = 200;

interface Answer {
  status: number;
  cacheStatus: string | null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bodies are asserted structurally in tests
  body: any;
}

function userOf(id: string, name = `User ${id}`): UsertourFakeUser {
  return { id, attributes: { name, email: `${id}@example.com` }, createdAt: '2025-01-02T03:04:05.000Z' };
}

async function get(gateway: GatewayProcess, id: string, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${gateway.url}/profiles/crm/${encodeURIComponent(id)}`, {
    headers: { authorization: `Bearer ${API_KEY}`, ...headers },
  });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, cacheStatus: response.headers.get('cache-status'), body };
}

async function health(gateway: GatewayProcess): Promise<string> {
  const response = await fetch(`${gateway.url}/health/ready`);
  const body = (await response.json()) as { status?: string };
  return body.status ?? `HTTP ${response.status}`;
}

/** The gateway configuration: one usertour source on `upstreamUrl`, the given `cache.redis` block. */
function configYaml(upstreamUrl: string, redisYaml: string): string {
  return `
server: { shutdownTimeout: 1s }
log: { level: warn }
auth:
  apiKeys:
    - name: scale-out
      key: ${API_KEY}
      sources: ["*"]
cache:
  redis:
${redisYaml}
    commandTimeout: 200ms
  memory: { maxItems: 1000, ttl: 30s }
defaults:
  timeout: 2s
  retries: 0
  cache: { ttl: 1m, staleWhileRevalidate: 0, staleIfError: 1h, notFoundTtl: 1m }
sources:
  crm:
    kind: usertour
    baseUrl: ${upstreamUrl}
    token: ${USERTOUR_SANDBOX_TOKEN}
`;
}

/** Two gateway processes on one configuration, plus the fake upstream they share. */
function fleet() {
  const data: UsertourFakeData = { tokens: [USERTOUR_SANDBOX_TOKEN.slice(3)], users: [] };
  const state = { upstream: undefined as FakeUpstream | undefined, gateways: [] as GatewayProcess[], dir: '' };

  const start = async (redisYaml: (keyPrefix: string) => string): Promise<void> => {
    state.upstream = await startFakeUpstream(usertourFake(data));
    state.dir = mkdtempSync(path.join(tmpdir(), 'pgw-scale-out-'));
    const configFile = path.join(state.dir, 'gateway.yaml');
    writeFileSync(configFile, configYaml(state.upstream.url, redisYaml(`so-${process.pid}-${Date.now().toString(36)}`)));
    const ports = [await freePort()];
    while (ports.length < 2) {
      const port = await freePort();
      if (!ports.includes(port)) ports.push(port);
    }
    state.gateways = await Promise.all(['A', 'B'].map((name, i) => startGatewayProcess({ name, configFile, port: ports[i]! })));
    // Until Redis is connected, each instance coalesces on its own.
    await waitUntil(async () => (await Promise.all(state.gateways.map(health))).every((status) => status === 'ok'), 10_000, 'both gateways to be ready');
  };

  const stop = async (): Promise<void> => {
    await Promise.all(state.gateways.map((gateway) => gateway.stop()));
    await state.upstream?.close();
    if (state.dir) rmSync(state.dir, { recursive: true, force: true });
  };

  /** Runs a test body; a failure carries every gateway's stderr and last log lines, and an exited gateway fails the test. */
  const check = async (body: () => Promise<void>): Promise<void> => {
    try {
      await body();
      const exited = state.gateways.filter((gateway) => gateway.exit() !== undefined);
      if (exited.length > 0) throw new Error('a gateway process exited during the test');
    } catch (error) {
      const report = state.gateways.map((gateway) => gateway.describe()).join('\n\n');
      if (error instanceof Error) {
        error.message = `${error.message}\n\n${report}`;
        throw error;
      }
      throw new Error(`${String(error)}\n\n${report}`, { cause: error });
    }
  };

  return {
    data,
    state,
    start,
    stop,
    check,
    upstream: (): FakeUpstream => state.upstream!,
    a: (): GatewayProcess => state.gateways[0]!,
    b: (): GatewayProcess => state.gateways[1]!,
  };
}

/** 100 concurrent requests for one cold id, alternating between the two gateways. */
async function coldBurst(f: ReturnType<typeof fleet>, id: string): Promise<Answer[]> {
  f.data.users.push(userOf(id));
  return Promise.all(Array.from({ length: 100 }, (_, i) => get(i % 2 === 0 ? f.a() : f.b(), id)));
}

function expectOneFleetCall(f: ReturnType<typeof fleet>, answers: Answer[], id: string): void {
  expect(answers.map((answer) => answer.status)).toEqual(Array<number>(100).fill(200));
  expect(f.upstream().calls.filter((call) => call.segments[2] === id)).toHaveLength(1);
  const statuses = answers.map((answer) => answer.cacheStatus);
  expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored')).toHaveLength(1);
  expect(statuses.filter((status) => status === 'profile-gateway; fwd=miss; stored; collapsed')).toHaveLength(99);
  expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
}

describe('two gateway processes on a Redis Cluster', () => {
  const f = fleet();
  let cluster: RedisClusterProcess;
  let admin: Cluster;
  let keyPrefix = '';

  beforeAll(async () => {
    cluster = await startRedisCluster({ nodeTimeoutMs: 2_000 });
    admin = new Cluster(cluster.nodes);
    await f.start((prefix) => {
      keyPrefix = prefix;
      const nodes = cluster.nodes.map(({ host, port }) => `{ host: ${host}, port: ${port} }`).join(', ');
      return `    cluster:\n      nodes: [${nodes}]\n    keyPrefix: ${prefix}`;
    });
  }, 45_000);

  afterAll(async () => {
    await f.stop();
    admin?.disconnect();
    await cluster?.stop();
  });

  beforeEach(() => {
    f.upstream().reset();
    f.upstream().setLatency(UPSTREAM_LATENCY_MS);
  });

  it('should make exactly one upstream call for 100 concurrent cold requests spread over both instances', () =>
    f.check(async () => {
      const answers = await coldBurst(f, 'burst_cluster');

      expectOneFleetCall(f, answers, 'burst_cluster');
    }));

  it('should serve the new data on instance B within 1 s of a no-cache refresh on instance A', () =>
    f.check(async () => {
      const user = userOf('inv_1', 'Before Change');
      f.data.users.push(user);
      expect((await get(f.a(), 'inv_1')).body.displayName).toBe('Before Change');
      await get(f.b(), 'inv_1');
      const fromMemory = await get(f.b(), 'inv_1');
      expect(fromMemory.cacheStatus).toMatch(/^profile-gateway; hit; ttl=/);
      expect(fromMemory.body.displayName).toBe('Before Change');

      user.attributes = { name: 'After Change', email: 'inv_1@example.com' };
      const refreshed = await get(f.a(), 'inv_1', { 'cache-control': 'no-cache' });
      const refreshedAt = Date.now();
      expect(refreshed.cacheStatus).toBe('profile-gateway; fwd=request; stored');
      expect(refreshed.body.displayName).toBe('After Change');
      let seenByB = fromMemory;
      while (seenByB.body.displayName !== 'After Change' && Date.now() - refreshedAt < 1_000) {
        await sleep(25);
        seenByB = await get(f.b(), 'inv_1');
      }

      expect(seenByB.status).toBe(200);
      expect(seenByB.body.displayName).toBe('After Change');
      expect(Date.now() - refreshedAt).toBeLessThan(1_000);
      expect(f.upstream().calls.filter((call) => call.segments[2] === 'inv_1')).toHaveLength(2);
    }));

  it('should answer every request 200 while one cluster node stops and restarts, and use Redis again afterwards', () =>
    f.check(async () => {
      f.upstream().setLatency(20);
      const warm = Array.from({ length: 12 }, (_, i) => `warm_${i}`);
      for (const id of warm) f.data.users.push(userOf(id));
      for (const id of warm) await get(f.a(), id);
      await Promise.all(warm.map((id) => get(f.b(), id)));

      const statuses = new Map<number, number>();
      const failures: string[] = [];
      let running = true;
      let sent = 0;
      const load = (async () => {
        while (running) {
          sent += 1;
          const fresh = `load_${sent}`;
          f.data.users.push(userOf(fresh));
          const batch = await Promise.all([
            get(f.a(), warm[sent % warm.length]!),
            get(f.b(), warm[(sent + 5) % warm.length]!),
            get(sent % 2 === 0 ? f.a() : f.b(), fresh),
          ]);
          for (const answer of batch) {
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status !== 200 && failures.length < 5) failures.push(`${answer.status} ${JSON.stringify(answer.body)}`);
          }
          await sleep(20);
        }
      })();

      try {
        await sleep(200);
        await cluster.stopNode(1);
        await waitUntil(async () => (await health(f.a())) === 'degraded', 5_000, 'instance A to report the cache degraded');
        await sleep(2_200);
        await cluster.startNode(1);
        await cluster.waitForState('ok');
        const key = profileCacheKey(keyPrefix, { source: 'crm', by: 'id', id: 'after_restart' });
        f.data.users.push(userOf('after_restart'));
        await waitUntil(
          async () => {
            await get(f.b(), 'after_restart', { 'cache-control': 'no-cache' });
            return (await admin.exists(key)) === 1;
          },
          10_000,
          'instance B to store in Redis again',
          25,
        );
        await sleep(300);
      } finally {
        running = false;
        await load;
      }

      expect(failures).toEqual([]);
      expect([...statuses.keys()]).toEqual([200]);
      expect(statuses.get(200)).toBeGreaterThan(60);
    }), 30_000);
});

describe('two gateway processes on one Redis', () => {
  const f = fleet();

  beforeAll(async () => {
    await f.start((prefix) => `    url: ${process.env.REDIS_URL}\n    keyPrefix: ${prefix}`);
  }, 30_000);

  afterAll(async () => {
    await f.stop();
  });

  beforeEach(() => {
    f.upstream().reset();
    f.upstream().setLatency(UPSTREAM_LATENCY_MS);
  });

  it('should make exactly one upstream call for 100 concurrent cold requests spread over both instances', () =>
    f.check(async () => {
      const answers = await coldBurst(f, 'burst_single');

      expectOneFleetCall(f, answers, 'burst_single');
    }));
});
