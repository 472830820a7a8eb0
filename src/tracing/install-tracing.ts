import { HttpService } from '@nestjs/axios';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

import type { GatewayConfig } from '../config/config.types.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';
import type { GatewayTracing, GatewayTracingOptions } from './gateway-tracing.js';
import { installServerTracing } from './server-tracing.js';
import { injectTraceHeaders } from './trace-hooks.js';

/** Longest time the shutdown waits for the last spans to reach the collector. */
const MAX_FLUSH_MS = 3_000;

/** The flush bound within a shutdown timeout: at most `MAX_FLUSH_MS`, and at most half of the whole shutdown. */
export function flushBoundMs(shutdownTimeoutMs: number): number {
  return Math.max(1, Math.min(MAX_FLUSH_MS, Math.floor(shutdownTimeoutMs / 2)));
}

/** Every upstream request made through `httpService` carries the current span's `traceparent` / `tracestate`. */
export function propagateTraceContext(httpService: HttpService): void {
  httpService.axiosRef.interceptors.request.use(
    (request) => {
      injectTraceHeaders(request.headers);
      return request;
    },
    undefined,
    { synchronous: true },
  );
}

/**
 * Turns tracing on for one gateway app when its configuration has a `tracing` section; without one it does nothing
 * at all (no SDK, no hooks, no context manager). With one: the SDK with its OTLP/HTTP exporter, server spans on the
 * traced routes, `traceparent` / `tracestate` on every upstream request (from the attempt's client span), dropped
 * spans counted in `gateway_tracing_spans_dropped_total`, and the queued spans flushed when the app closes (after
 * its in-flight requests), within a bound. The SDK is imported here, only then.
 */
export async function installTracing(
  app: NestFastifyApplication,
  config: GatewayConfig,
  logger: Logger,
  overrides: Pick<GatewayTracingOptions, 'exporter' | 'batch'> = {},
): Promise<GatewayTracing | undefined> {
  if (!config.tracing) return undefined;
  const metrics = app.get(GatewayMetrics);
  const { GatewayTracing } = await import('./gateway-tracing.js');
  const tracing = new GatewayTracing({
    config: config.tracing,
    ...overrides,
    onDropped: (reason, count) => metrics.recordTracingSpansDropped(reason, count),
    onExportError: (error) =>
      logger.warn({ reason: error?.message.slice(0, 200) }, 'tracing: span export to the collector failed; the spans are dropped (gateway_tracing_spans_dropped_total)'),
  });
  const fastify = app.getHttpAdapter().getInstance();
  installServerTracing(fastify, tracing);
  propagateTraceContext(app.get(HttpService));
  const flushMs = flushBoundMs(config.server.shutdownTimeoutMs);
  fastify.addHook('onClose', async () => {
    await tracing.shutdown(flushMs);
  });
  logger.info(
    { otlpEndpoint: config.tracing.otlpEndpoint, serviceName: config.tracing.serviceName, sampleRatio: config.tracing.sampleRatio },
    'tracing on: exporting OTLP/HTTP (JSON)',
  );
  return tracing;
}
