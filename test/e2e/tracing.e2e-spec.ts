import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { usertourFake } from '../../sandbox/kinds/usertour/usertour.fake.js';
import { USERTOUR_SANDBOX_TOKEN, usertourSandboxData } from '../../sandbox/kinds/usertour/usertour.sandbox.js';
import { request, startHarness, TEST_API_KEY } from '../support/gateway-harness.js';
import { type GatewayProcess, startGatewayProcess } from '../support/gateway-process.js';
import { freePort } from '../support/redis-server.mjs';

/** An OTLP/HTTP span as the JSON encoding carries it (only what the tests read). */
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
  status?: { code?: number; message?: string };
}

interface OtlpExport {
  contentType: string | undefined;
  body: {
    resourceSpans: Array<{
      resource: { attributes: Array<{ key: string; value: Record<string, unknown> }> };
      scopeSpans: Array<{ spans: OtlpSpan[] }>;
    }>;
  };
}

/** A loopback OTLP/HTTP receiver: keeps every export; `hang` makes it accept and never answer. */
interface Receiver {
  url: string;
  exports: OtlpExport[];
  spans(): OtlpSpan[];
  close(): Promise<void>;
}

async function startReceiver(options: { hang?: boolean } = {}): Promise<Receiver> {
  const exports: OtlpExport[] = [];
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      exports.push({ contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport['body'] });
      if (options.hang) return;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`,
    exports,
    spans: () => exports.flatMap((e) => e.body.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans))),
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function attributesOf(span: OtlpSpan): Record<string, unknown> {
  return Object.fromEntries(span.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
}

const CALLER_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN_ID = '00f067aa0ba902b7';
const USER_ID = 'usr_123456789';

function gatewayYaml(fake: FakeUpstream, otlpEndpoint: string): string {
  return `
server:
  shutdownTimeout: 8s
auth:
  apiKeys: [{ name: e2e, key: ${TEST_API_KEY}, sources: ["*"] }]
defaults:
  timeout: 2s
  retries: 2
tracing:
  otlpEndpoint: ${otlpEndpoint}
  serviceName: gateway-e2e
sources:
  crm:
    kind: usertour
    baseUrl: ${fake.url}
    token: ${USERTOUR_SANDBOX_TOKEN}
`;
}

function writeYaml(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'pgw-tracing-')), 'gateway.yaml');
  writeFileSync(file, text);
  return file;
}

const get = (gateway: GatewayProcess, p: string, headers: Record<string, string> = {}) =>
  request(gateway.url + p, { authorization: `Bearer ${TEST_API_KEY}`, ...headers });

/** Tracing of the built gateway (`dist/main.js`) into a loopback OTLP/HTTP receiver (contract section 9). */
describe('tracing (e2e)', () => {
  let fake: FakeUpstream;

  beforeAll(async () => {
    fake = await startFakeUpstream(usertourFake(usertourSandboxData));
  });

  afterAll(async () => {
    await fake.close();
  });

  beforeEach(() => fake.reset());

  it("should export one trace under the caller's span, with a client span per attempt whose id the upstream saw, on shutdown", async () => {
    const receiver = await startReceiver();
    const gateway = await startGatewayProcess({ name: 'traced', configFile: writeYaml(gatewayYaml(fake, receiver.url)) });
    try {
      fake.enqueue({ type: 'status', status: 503, body: {} }, 1);

      const res = await get(gateway, `/profiles/crm/${USER_ID}`, { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`, 'x-request-id': 'e2e-trace-1' });
      // Stopped at once: the spans are still queued (the batch delay has not passed), so only the shutdown flush sends them.
      await gateway.stop(10_000);

      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBe('e2e-trace-1');
      expect(gateway.exit()).toBe('code 0');
      expect(receiver.exports.length).toBeGreaterThan(0);
      expect(receiver.exports.every((e) => e.contentType === 'application/json')).toBe(true);
      const resource = Object.fromEntries(receiver.exports[0]!.body.resourceSpans[0]!.resource.attributes.map((a) => [a.key, Object.values(a.value)[0]]));
      expect(resource['service.name']).toBe('gateway-e2e');

      const spans = receiver.spans();
      expect(spans.every((s) => s.traceId === CALLER_TRACE_ID)).toBe(true);
      const ids = new Set(spans.map((s) => s.spanId));
      const roots = spans.filter((s) => !ids.has(s.parentSpanId ?? ''));
      expect(roots.map((r) => [r.name, r.parentSpanId])).toEqual([['GET /profiles/{source}/{id}', CALLER_SPAN_ID]]);
      expect(attributesOf(roots[0]!)).toMatchObject({ 'http.request.method': 'GET', 'http.route': '/profiles/{source}/{id}', 'http.response.status_code': 200 });

      const [lookup] = spans.filter((s) => s.name === 'cache.lookup');
      expect(lookup!.parentSpanId).toBe(roots[0]!.spanId);
      expect(attributesOf(lookup!)).toEqual({ 'profile.source': 'crm', 'profile.kind': 'usertour', 'cache.status': 'profile-gateway; fwd=miss; stored' });

      const attempts = spans.filter((s) => s.kind === 3);
      expect(attempts).toHaveLength(2);
      expect(attempts.every((a) => a.parentSpanId === lookup!.spanId && a.name === 'GET /v1/users/{id}')).toBe(true);
      const [first, retry] = [...attempts].sort((a, b) => Number(attributesOf(a)['http.request.resend_count'] ?? 0) - Number(attributesOf(b)['http.request.resend_count'] ?? 0));
      expect(attributesOf(first!)).toMatchObject({ 'http.response.status_code': 503, 'url.template': '/v1/users/{id}', 'server.address': '127.0.0.1' });
      expect(first!.status?.code).toBe(2);
      expect(attributesOf(retry!)).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });

      // The upstream saw each attempt's own client span as the parent.
      expect(fake.calls.map((c) => c.headers.traceparent)).toEqual([
        `00-${CALLER_TRACE_ID}-${first!.spanId}-01`,
        `00-${CALLER_TRACE_ID}-${retry!.spanId}-01`,
      ]);

      // Nothing that identifies the user, the upstream token or the caller's key.
      const recorded = JSON.stringify(receiver.exports.map((e) => e.body));
      for (const secret of [USER_ID, USERTOUR_SANDBOX_TOKEN, USERTOUR_SANDBOX_TOKEN.slice(3), TEST_API_KEY, 'john.doe']) expect(recorded).not.toContain(secret);

      // The request's log lines carry the trace.
      const completed = gateway
        .stdout()
        .split('\n')
        .filter((l) => l.includes('"request completed"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(completed[0]).toMatchObject({ trace_id: CALLER_TRACE_ID, span_id: roots[0]!.spanId, reqId: 'e2e-trace-1' });
    } finally {
      await gateway.stop();
      await receiver.close();
    }
  }, 30_000);

  it('should give POST /profiles/batch its server span, with a cache.lookup per distinct lookup under it', async () => {
    const receiver = await startReceiver();
    // In process through the harness, so the batch answer is also checked against the OpenAPI document.
    const h = await startHarness({ fakes: { usertour: usertourFake(usertourSandboxData) }, yaml: (fakes) => gatewayYaml(fakes.usertour!, receiver.url) });
    try {
      const res = await request(
        `${h.url}/profiles/batch`,
        { authorization: `Bearer ${TEST_API_KEY}`, 'content-type': 'application/json', traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` },
        { method: 'POST', body: JSON.stringify({ lookups: [{ source: 'crm', id: USER_ID }, { source: 'crm', id: 'usr_nobody' }] }) },
      );
      expect(res.status).toBe(200);
    } finally {
      // Closing the app flushes the queued spans.
      await h.close();
    }
    try {
      const spans = receiver.spans();
      const [server] = spans.filter((s) => s.name === 'POST /profiles/batch');
      expect(server).toBeDefined();
      expect(server!.kind).toBe(2);
      expect(server!.traceId).toBe(CALLER_TRACE_ID);
      expect(server!.parentSpanId).toBe(CALLER_SPAN_ID);
      expect(attributesOf(server!)).toMatchObject({ 'http.request.method': 'POST', 'http.route': '/profiles/batch', 'http.response.status_code': 200 });
      const lookups = spans.filter((s) => s.name === 'cache.lookup');
      expect(lookups).toHaveLength(2);
      expect(lookups.every((l) => l.parentSpanId === server!.spanId)).toBe(true);
      const recorded = JSON.stringify(receiver.exports.map((e) => e.body));
      for (const secret of [USER_ID, 'usr_nobody', USERTOUR_SANDBOX_TOKEN, TEST_API_KEY]) expect(recorded).not.toContain(secret);
    } finally {
      await receiver.close();
    }
  }, 30_000);

  it('should answer normally and promptly while the collector is down, and count the dropped spans', async () => {
    const downPort = await freePort();
    const gateway = await startGatewayProcess({ name: 'collector-down', configFile: writeYaml(gatewayYaml(fake, `http://127.0.0.1:${downPort}/v1/traces`)) });
    try {
      const started = performance.now();
      const answers = [];
      for (let i = 0; i < 20; i++) answers.push(await get(gateway, `/profiles/crm/${USER_ID}`, { traceparent: `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01` }));
      const elapsedMs = performance.now() - started;

      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
      expect(elapsedMs).toBeLessThan(3_000);

      // The batch is sent after its 2 s delay; the refused export is counted.
      let dropped = 0;
      for (let i = 0; i < 50 && dropped === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const metrics = await get(gateway, '/metrics');
        dropped = Number(/^gateway_tracing_spans_dropped_total\{reason="export_failed"\} (\d+)$/m.exec(metrics.text)?.[1] ?? 0);
      }
      expect(dropped).toBeGreaterThanOrEqual(20);
    } finally {
      await gateway.stop();
    }
    expect(gateway.exit()).toBe('code 0');
  }, 30_000);

  it('should answer promptly with a collector that accepts and never answers, and still shut down in time', async () => {
    const receiver = await startReceiver({ hang: true });
    const gateway = await startGatewayProcess({ name: 'collector-hangs', configFile: writeYaml(gatewayYaml(fake, receiver.url)) });
    try {
      await get(gateway, `/profiles/crm/${USER_ID}`);
      // Wait for the first export to be under way (and hanging), then measure hits.
      for (let i = 0; i < 50 && receiver.exports.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(receiver.exports.length).toBeGreaterThan(0);
      const started = performance.now();
      for (let i = 0; i < 20; i++) expect((await get(gateway, `/profiles/crm/${USER_ID}`)).status).toBe(200);
      expect(performance.now() - started).toBeLessThan(3_000);

      const stopping = performance.now();
      await gateway.stop(10_000);
      // The flush is bounded (3 s) well inside the 8 s shutdown timeout.
      expect(performance.now() - stopping).toBeLessThan(6_000);
      expect(gateway.exit()).toBe('code 0');
    } finally {
      await gateway.stop();
      await receiver.close();
    }
  }, 30_000);
});
