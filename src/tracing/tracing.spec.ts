import { Writable } from 'node:stream';

import { HttpService } from '@nestjs/axios';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { InMemorySpanExporter, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace';
import axios from 'axios';
import Fastify, { type FastifyInstance } from 'fastify';

import { type FakeUpstream, startFakeUpstream } from '../../sandbox/fake-upstream.js';
import { orgDirectoryFake } from '../../sandbox/kinds/org-directory/org-directory.fake.js';
import { ORG_DIRECTORY_SANDBOX_TOKEN, orgDirectorySandboxData } from '../../sandbox/kinds/org-directory/org-directory.sandbox.js';
import { parseConfig } from '../config/config.loader.js';
import type { SourceConfig, TracingConfig } from '../config/config.types.js';
import { createLogger } from '../logger.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import { ProfileNotFoundError } from '../profiles/profile.errors.js';
import { OrgDirectoryClient } from '../sources/org-directory/org-directory.client.js';
import { ADAPTER_KINDS } from '../sources/source-registry.js';
import { createUpstreamHttp } from '../sources/upstream-http.factory.js';
import { activeTracing } from './active-tracing.js';
import { GatewayTracing, type GatewayTracingOptions, type SpanDropReason } from './gateway-tracing.js';
import { flushBoundMs, propagateTraceContext } from './install-tracing.js';
import { installServerTracing, serverSpanName } from './server-tracing.js';
import { type CacheStatusReader, mergeTraceLogFields, startUpstreamAttempt, traceCacheLookup, traceLeaseWait, traceLogFields } from './trace-hooks.js';

const CALLER_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN_ID = 'b7ad6b7169203331';
const SAMPLED_PARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-01`;
const UNSAMPLED_PARENT = `00-${CALLER_TRACE_ID}-${CALLER_SPAN_ID}-00`;
const TRACING: TracingConfig = { otlpEndpoint: 'http://127.0.0.1:4318/v1/traces', serviceName: 'profile-gateway', sampleRatio: 1 };

function tracingWith(exporter: SpanExporter, options: Partial<GatewayTracingOptions> = {}): GatewayTracing {
  return new GatewayTracing({ config: TRACING, exporter, ...options });
}

/** Reads `cache.status` from test answers shaped `{ cacheStatus }`. */
const STATUS: CacheStatusReader<{ cacheStatus: string }> = { ofAnswer: (answer) => answer.cacheStatus, ofError: () => undefined };

function attributesOf(span: ReadableSpan): Record<string, unknown> {
  return { ...span.attributes };
}

function byName(spans: ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((s) => s.name === name);
}

describe('tracing', () => {
  describe('with no tracing started in the request', () => {
    it('should run the hooks as plain calls: no tracing in context, no span, log lines unchanged', async () => {
      expect(activeTracing()).toBeUndefined();
      await expect(traceCacheLookup('crm', 'usertour', () => Promise.resolve({ cacheStatus: 'x' }), STATUS)).resolves.toEqual({ cacheStatus: 'x' });
      await expect(traceLeaseWait(() => Promise.resolve({ kind: 'free' }))).resolves.toEqual({ kind: 'free' });
      const attempt = startUpstreamAttempt({ name: 'crm', kind: 'usertour', baseUrl: 'http://127.0.0.1:1' }, '/v1/users/{id}', 0);
      expect(attempt.run(() => 42)).toBe(42);
      attempt.end(200, undefined);

      const line = { msg: 'x' };
      expect(mergeTraceLogFields(line, traceLogFields())).toBe(line);
      expect(line).toEqual({ msg: 'x' });
    });
  });

  describe('server spans', () => {
    let exporter: InMemorySpanExporter;
    let tracing: GatewayTracing;
    let app: FastifyInstance;
    const logs: Array<Record<string, unknown>> = [];

    async function appWith(sampleRatio: number): Promise<FastifyInstance> {
      exporter = new InMemorySpanExporter();
      tracing = new GatewayTracing({ config: { ...TRACING, sampleRatio }, exporter });
      const sink = new Writable({
        write(chunk: Buffer, _encoding, callback) {
          for (const text of chunk.toString('utf8').split('\n')) if (text.trim() !== '') logs.push(JSON.parse(text) as Record<string, unknown>);
          callback();
        },
      });
      const logger = createLogger('info', sink);
      const fastify = Fastify({ loggerInstance: logger });
      app = fastify as unknown as FastifyInstance;
      fastify.decorateRequest('facts', null);
      fastify.addHook('onRequest', (request, _reply, done) => {
        request.facts = { upstreamAttempts: 0 };
        done();
      });
      installServerTracing(fastify as unknown as FastifyInstance, tracing);
      fastify.get('/profiles/:source/:id', async (request, reply) => {
        const { id } = request.params as { id: string };
        request.log.info('inside the handler');
        logger.info('root logger inside the request');
        if (id === 'missing') {
          await traceCacheLookup('crm', 'usertour', () => Promise.reject(new ProfileNotFoundError('crm', id)), STATUS).catch(() => undefined);
          if (request.facts) request.facts.problemCode = 'PROFILE_NOT_FOUND';
          return reply.status(404).send({ code: 'PROFILE_NOT_FOUND' });
        }
        const answer = await traceCacheLookup('crm', 'usertour', () => Promise.resolve({ cacheStatus: 'profile-gateway; hit; ttl=30' }), STATUS);
        return reply.header('cache-status', answer.cacheStatus).send({ ok: true });
      });
      fastify.get('/health/live', (_request, reply) => reply.send({ status: 'ok' }));
      await fastify.ready();
      return app;
    }

    afterEach(async () => {
      logs.length = 0;
      await app.close();
      await tracing.shutdown(1_000);
    });

    it("should make the server span a child of the caller's traceparent, with the route's semantic-convention attributes", async () => {
      app = await appWith(1);

      const res = await app.inject({ url: '/profiles/crm/usr_123', headers: { traceparent: SAMPLED_PARENT, tracestate: 'vendor=abc' } });
      await tracing.flush();

      expect(res.statusCode).toBe(200);
      const spans = exporter.getFinishedSpans();
      const [server] = byName(spans, 'GET /profiles/{source}/{id}');
      expect(server).toBeDefined();
      expect(server!.kind).toBe(SpanKind.SERVER);
      expect(server!.spanContext().traceId).toBe(CALLER_TRACE_ID);
      expect(server!.parentSpanContext?.spanId).toBe(CALLER_SPAN_ID);
      expect(server!.spanContext().traceState?.get('vendor')).toBe('abc');
      expect(attributesOf(server!)).toEqual({
        'http.request.method': 'GET',
        'http.route': '/profiles/{source}/{id}',
        'url.scheme': 'http',
        'http.response.status_code': 200,
      });
      expect(server!.status.code).toBe(SpanStatusCode.UNSET);
      const [lookup] = byName(spans, 'cache.lookup');
      expect(lookup!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
      expect(attributesOf(lookup!)).toEqual({ 'profile.source': 'crm', 'profile.kind': 'usertour', 'cache.status': 'profile-gateway; hit; ttl=30' });
      expect(JSON.stringify(spans.map((s) => s.attributes))).not.toContain('usr_123');
    });

    it('should put trace_id and span_id on every log line of a traced request, the request log and the root logger alike', async () => {
      app = await appWith(1);

      await app.inject({ url: '/profiles/crm/usr_123', headers: { traceparent: SAMPLED_PARENT } });
      await tracing.flush();

      const [server] = byName(exporter.getFinishedSpans(), 'GET /profiles/{source}/{id}');
      const inside = logs.filter((l) => l.msg === 'inside the handler' || l.msg === 'root logger inside the request');
      expect(inside).toHaveLength(2);
      for (const line of inside) {
        expect(line).toMatchObject({ trace_id: CALLER_TRACE_ID, span_id: server!.spanContext().spanId });
      }
    });

    it('should start a new trace without a traceparent, and ignore a malformed one', async () => {
      app = await appWith(1);

      await app.inject({ url: '/profiles/crm/a' });
      await app.inject({ url: '/profiles/crm/b', headers: { traceparent: '00-zz-not-a-trace' } });
      await tracing.flush();

      const servers = byName(exporter.getFinishedSpans(), 'GET /profiles/{source}/{id}');
      expect(servers).toHaveLength(2);
      for (const server of servers) {
        expect(server.parentSpanContext).toBeUndefined();
        expect(server.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(server.spanContext().traceId).not.toBe(CALLER_TRACE_ID);
      }
    });

    it("should follow the caller's sampling decision and sample root traces by sampleRatio", async () => {
      app = await appWith(0);

      await app.inject({ url: '/profiles/crm/a' });
      await app.inject({ url: '/profiles/crm/b', headers: { traceparent: UNSAMPLED_PARENT } });
      await tracing.flush();
      expect(exporter.getFinishedSpans()).toHaveLength(0);

      await app.inject({ url: '/profiles/crm/c', headers: { traceparent: SAMPLED_PARENT } });
      await tracing.flush();
      expect(byName(exporter.getFinishedSpans(), 'GET /profiles/{source}/{id}')).toHaveLength(1);
    });

    it('should set the span status to error and record the problem code on error answers', async () => {
      app = await appWith(1);

      const res = await app.inject({ url: '/profiles/crm/missing', headers: { traceparent: SAMPLED_PARENT } });
      await tracing.flush();

      expect(res.statusCode).toBe(404);
      const spans = exporter.getFinishedSpans();
      const [server] = byName(spans, 'GET /profiles/{source}/{id}');
      expect(server!.status).toEqual({ code: SpanStatusCode.ERROR, message: 'PROFILE_NOT_FOUND' });
      expect(server!.attributes['error.type']).toBe('PROFILE_NOT_FOUND');
      expect(server!.attributes['http.response.status_code']).toBe(404);
      const [lookup] = byName(spans, 'cache.lookup');
      expect(lookup!.status.code).toBe(SpanStatusCode.ERROR);
      expect(lookup!.attributes['error.type']).toBe('PROFILE_NOT_FOUND');
      // The error's message names the id; only the code is recorded.
      expect(JSON.stringify(spans.map((s) => [s.attributes, s.status, s.events]))).not.toContain('missing');
    });

    it('should not trace routes other than the profile routes', async () => {
      app = await appWith(1);

      await app.inject({ url: '/health/live', headers: { traceparent: SAMPLED_PARENT } });
      await tracing.flush();

      expect(exporter.getFinishedSpans()).toHaveLength(0);
    });

    it('should name server spans after the method and route template (the batch route included)', () => {
      expect(serverSpanName('GET', '/profiles/{source}/{id}')).toBe('GET /profiles/{source}/{id}');
      expect(serverSpanName('POST', '/profiles/batch')).toBe('POST /profiles/batch');
    });
  });

  describe('upstream attempts', () => {
    let fake: FakeUpstream;
    let source: SourceConfig;

    beforeAll(async () => {
      // The source's base URL has a path (`/api`), which the fake's own routes do not.
      const directory = orgDirectoryFake(orgDirectorySandboxData);
      fake = await startFakeUpstream((request) => directory({ ...request, segments: request.segments[0] === 'api' ? request.segments.slice(1) : request.segments }));
      const config = parseConfig(
        `auth: { disabled: true }\nsources:\n  directory:\n    kind: org-directory\n    baseUrl: ${fake.url}/api\n    token: ${ORG_DIRECTORY_SANDBOX_TOKEN}\n    retries: 2\n`,
        { kinds: ADAPTER_KINDS, env: {} },
      );
      source = config.sources[0]!;
    });

    afterAll(async () => {
      await fake.close();
    });

    beforeEach(() => fake.reset());

    const opened: Array<{ close(): void }> = [];

    afterEach(() => {
      for (const http of opened.splice(0)) http.close();
    });

    function clientFor(httpService: HttpService): OrgDirectoryClient {
      const http = createUpstreamHttp(source, httpService, {}, { backoff: { initialDelayMs: 1, maxDelayMs: 5 }, tracer: startUpstreamAttempt });
      opened.push(http);
      return new OrgDirectoryClient(http);
    }

    it('should make one client span per attempt, each sending a traceparent that names it, with no id in any attribute', async () => {
      const exporter = new InMemorySpanExporter();
      const tracing = tracingWith(exporter);
      const httpService = new HttpService(axios.create());
      propagateTraceContext(httpService);
      const client = clientFor(httpService);
      fake.enqueue({ type: 'status', status: 503, body: {} }, 1);

      const parent = tracing.extract({ traceparent: SAMPLED_PARENT });
      const server = tracing.startSpan('GET /profiles/{source}/{id}', SpanKind.SERVER, {}, parent);
      await tracing.run(tracing.contextWith(parent, server), () => traceCacheLookup(source.name, source.kind, () => client.getUser('4', { requestId: 'r1' }).then(() => ({ cacheStatus: 'miss' })), STATUS));
      server.end();
      await tracing.flush();

      const spans = exporter.getFinishedSpans();
      const attempts = spans.filter((s) => s.kind === SpanKind.CLIENT);
      const [lookup] = byName(spans, 'cache.lookup');
      expect(attempts).toHaveLength(2);
      expect(fake.calls).toHaveLength(2);
      attempts.forEach((attempt, i) => {
        expect(attempt.name).toBe('GET /api/v2/users/{id}');
        expect(attempt.parentSpanContext?.spanId).toBe(lookup!.spanContext().spanId);
        expect(attempt.spanContext().traceId).toBe(CALLER_TRACE_ID);
        expect(fake.calls[i]!.headers.traceparent).toBe(`00-${CALLER_TRACE_ID}-${attempt.spanContext().spanId}-01`);
      });
      expect(attributesOf(attempts[0]!)).toEqual({
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(fake.url).port),
        'url.template': '/api/v2/users/{id}',
        'profile.source': 'directory',
        'profile.kind': 'org-directory',
        'http.response.status_code': 503,
        'error.type': 'UPSTREAM_ERROR',
      });
      expect(attempts[0]!.status.code).toBe(SpanStatusCode.ERROR);
      expect(attempts[1]!.attributes['http.request.resend_count']).toBe(1);
      expect(attempts[1]!.attributes['http.response.status_code']).toBe(200);
      expect(attempts[1]!.status.code).toBe(SpanStatusCode.UNSET);
      const recorded = JSON.stringify(spans.map((s) => [s.attributes, s.status, s.events, s.resource.attributes]));
      expect(recorded).not.toContain('/users/4');
      expect(recorded).not.toContain(ORG_DIRECTORY_SANDBOX_TOKEN);
      await tracing.shutdown(1_000);
    });

    it('should send no traceparent when the request is not traced', async () => {
      const httpService = new HttpService(axios.create());
      propagateTraceContext(httpService);

      await clientFor(httpService).getUser('4', { requestId: 'r2' });

      expect(fake.calls[0]!.headers.traceparent).toBeUndefined();
    });
  });

  describe('cache.lease.wait', () => {
    it("should span a wait on another instance's call and say whether its entry arrived", async () => {
      const exporter = new InMemorySpanExporter();
      const tracing = tracingWith(exporter);
      const root = tracing.startSpan('root', SpanKind.SERVER, {}, tracing.extract({}));
      const context = tracing.contextWith(tracing.extract({}), root);

      await tracing.run(context, async () => {
        await traceLeaseWait(() => Promise.resolve({ kind: 'entry' }));
        await traceLeaseWait(() => Promise.resolve({ kind: 'free' }));
      });
      root.end();
      await tracing.flush();

      const waits = byName(exporter.getFinishedSpans(), 'cache.lease.wait');
      expect(waits.map((w) => w.attributes['cache.lease.outcome'])).toEqual(['stored', 'free']);
      expect(waits.every((w) => w.parentSpanContext?.spanId === root.spanContext().spanId)).toBe(true);
      await tracing.shutdown(1_000);
    });
  });

  describe('an unreachable collector', () => {
    /** Accepts spans and never answers, like a collector behind a black-holed route. */
    class HangingExporter implements SpanExporter {
      received = 0;
      export(spans: ReadableSpan[]): void {
        this.received += spans.length;
      }
      shutdown(): Promise<void> {
        return Promise.resolve();
      }
    }

    function endSpans(tracing: GatewayTracing, count: number): number {
      const started = performance.now();
      for (let i = 0; i < count; i++) tracing.startSpan(`s${i}`, SpanKind.INTERNAL, {}, tracing.extract({})).end();
      return performance.now() - started;
    }

    it('should drop what does not fit the bounded queue, count it, and never wait for the collector', () => {
      const dropped: Array<[SpanDropReason, number]> = [];
      const exporter = new HangingExporter();
      const tracing = tracingWith(exporter, {
        batch: { maxQueueSize: 8, maxExportBatchSize: 4, scheduledDelayMs: 60_000, exportTimeoutMs: 300 },
        onDropped: (reason, count) => dropped.push([reason, count]),
      });

      const ms = endSpans(tracing, 100);

      // One batch of 4 went to the exporter (which never answers); 8 wait in the queue; the rest are dropped.
      expect(exporter.received).toBe(4);
      expect(dropped.filter(([reason]) => reason === 'queue_full').reduce((sum, [, n]) => sum + n, 0)).toBe(100 - 4 - 8);
      expect(ms).toBeLessThan(1_000);
      void tracing.shutdown(10);
    });

    it('should count the spans of a failed export, report the failure once, and bound the shutdown', async () => {
      const dropped: Array<[SpanDropReason, number]> = [];
      const errors: Array<Error | undefined> = [];
      const failing: SpanExporter = {
        export: (_spans, done) => done({ code: ExportResultCode.FAILED, error: new Error('connect ECONNREFUSED') }),
        shutdown: () => Promise.resolve(),
      };
      const tracing = tracingWith(failing, {
        batch: { maxQueueSize: 100, maxExportBatchSize: 5 },
        onDropped: (reason, count) => dropped.push([reason, count]),
        onExportError: (error) => errors.push(error),
      });

      endSpans(tracing, 10);
      await tracing.flush().catch(() => undefined);

      expect(dropped).toEqual([
        ['export_failed', 5],
        ['export_failed', 5],
      ]);
      expect(errors).toHaveLength(1);

      const hanging = tracingWith(new HangingExporter(), { batch: { maxExportBatchSize: 1, exportTimeoutMs: 300 } });
      endSpans(hanging, 3);
      const started = performance.now();
      await hanging.shutdown(100);
      expect(performance.now() - started).toBeLessThan(1_000);
    });

    it('should count drops in gateway_tracing_spans_dropped_total', async () => {
      const metrics = new GatewayMetrics({ sourceNames: [], defaultMetrics: false });

      metrics.recordTracingSpansDropped('queue_full', 3);
      metrics.recordTracingSpansDropped('export_failed', 2);

      const text = await metrics.render();
      expect(text).toContain('gateway_tracing_spans_dropped_total{reason="queue_full"} 3');
      expect(text).toContain('gateway_tracing_spans_dropped_total{reason="export_failed"} 2');
    });
  });

  describe('flushBoundMs', () => {
    it('should stay within half the shutdown timeout and at most 3 s', () => {
      expect(flushBoundMs(10_000)).toBe(3_000);
      expect(flushBoundMs(2_000)).toBe(1_000);
    });
  });
});
