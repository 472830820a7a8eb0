import { randomUUID } from 'node:crypto';

import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyError, type FastifyReply, type FastifyRequest, LogController, type RawRequestDefaultExpression } from 'fastify';
import type { Logger } from 'pino';

import { AppModule } from './app.module.js';
import { handleClientError } from './common/client-error.js';
import { sendProblem } from './common/problem.filter.js';
import { BadRequestError, MethodNotAllowedError } from './common/request-errors.js';
import { RouteTable } from './common/route-table.js';
import type { GatewayConfig } from './config/config.types.js';
import { PinoNestLogger } from './logger.js';
import { RequestLog } from './logging/request-log.js';
import { GatewayMetrics } from './metrics/gateway-metrics.js';
import type { RequestFacts } from './metrics/request-context.js';
import { setupOpenApi } from './openapi/openapi.js';
import { kindDescriptions } from './sources/source-registry.js';
import { installTracing } from './tracing/install-tracing.js';
import { traceLogFields } from './tracing/trace-hooks.js';

/** A caller's `X-Request-Id` is kept when it is 1-128 visible ASCII characters; otherwise a UUID is generated. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/** The route whose reads (GET, HEAD) are counted in `gateway_profile_requests_total`; its answers carry the source in the log. */
const PROFILE_ROUTE = '/profiles/:source/:id';

/** Largest `POST /profiles/batch` body (contract §7); larger ones are answered 413 `PAYLOAD_TOO_LARGE`. */
const BATCH_BODY_LIMIT = 262_144;

/** Largest request head (request line and headers) accepted; larger ones are answered 431 `HEADERS_TOO_LARGE`. */
export const MAX_HEADER_BYTES = 16_384;

export function requestIdOf(request: { headers: Record<string, string | string[] | undefined> }): string {
  const header = request.headers['x-request-id'];
  return typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
}

/**
 * Checks Node leaves to the application: RFC 9112 §3.2 requires a 400 for an HTTP/1.1 request without `Host` and for
 * any request with more than one `Host` line (Node keeps the first and drops the others silently).
 */
export function hostProblem(request: { httpVersion: string; rawHeaders: readonly string[] }): BadRequestError | undefined {
  let hosts = 0;
  for (let i = 0; i < request.rawHeaders.length; i += 2) {
    const name = request.rawHeaders[i]!;
    // Only four-letter names can be `Host`: the others are not lower-cased at all (this runs on every request).
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
  }
  if (hosts > 1) return new BadRequestError('More than one Host header');
  if (hosts === 0 && request.httpVersion === '1.1') return new BadRequestError('Missing Host header');
  return undefined;
}

function clip(value: string, max: number): string {
  return value.length > max ? value.slice(0, max) : value;
}

export interface GatewayApp {
  app: NestFastifyApplication;
  /** `http://host:port` once listening. */
  url: string;
}

/**
 * Builds the gateway on Fastify with the production adapter options, error handling, request ids, the one-line
 * request log, request metrics and the OpenAPI documents. Signals are not handled here: see `installGracefulShutdown`.
 */
export async function createGatewayApp(config: GatewayConfig, logger: Logger): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    logController: new LogController({ disableRequestLogging: true }),
    genReqId: (req: RawRequestDefaultExpression) => requestIdOf(req),
    // Ids are up to 256 characters, which percent-encode to far more than Fastify's default of 100.
    routerOptions: { maxParamLength: 16_384 },
    bodyLimit: 16_384,
    // Fastify's defaults, stated: a JSON body with `__proto__` or `constructor.prototype` keys is refused.
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    // Explicit, so a NODE_OPTIONS --max-http-header-size cannot raise it. Host is checked by the gateway (hostProblem),
    // because Node answers a missing one with an empty 400 of its own.
    http: { maxHeaderSize: MAX_HEADER_BYTES, requireHostHeader: false },
    // Time allowed to receive a whole request (slow clients); the answer's own time is bounded by the upstream budgets.
    requestTimeout: 30_000,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Both kinds of errors raised before routing go through the one error mapping (toProblem), like ProblemFilter.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => void sendProblem(request, reply, error),
    clientErrorHandler: (error, socket) => handleClientError(error, socket, logger),
  });
  // Every route registered from here on (Nest controllers, Swagger UI, later modules) is known to the 405 logic.
  const routes = new RouteTable();
  adapter.getInstance().addHook('onRoute', (route) => routes.add(route.method, route.url));
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, logger }), adapter, {
    logger: new PinoNestLogger(logger),
    bufferLogs: false,
  });
  // Batch bodies (`POST /profiles/batch`) may be up to 256 KiB; other content types keep the 16 KiB `bodyLimit`.
  app.useBodyParser('application/json', { bodyLimit: BATCH_BODY_LIMIT });
  const metrics = app.get(GatewayMetrics);
  const fastify = app.getHttpAdapter().getInstance();
  const requestLog = new RequestLog(logger, traceLogFields);
  let closing = false;

  fastify.decorateRequest('facts', null);
  fastify.addHook('onRequest', (request, reply, done) => {
    const facts: RequestFacts = { upstreamAttempts: 0 };
    request.facts = facts;
    void reply.header('x-request-id', String(request.id));
    const refused = hostProblem(request.raw);
    if (refused) {
      // The framing of what follows on this connection cannot be trusted either.
      void sendProblem(request, reply.header('connection', 'close'), refused);
      return;
    }
    if (request.is404) {
      const allow = routes.allowedMethods(request.url);
      if (allow.length > 0) {
        void sendProblem(request, reply, new MethodNotAllowedError(request.method, allow));
        return;
      }
    }
    // The facts travel with the request object (and with its lookups): no async context per request.
    done();
  });
  fastify.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  fastify.addHook('onSend', (request, reply, payload, done) => {
    // A keep-alive connection whose request finishes during shutdown is closed after the answer.
    if (closing) void reply.header('connection', 'close');
    done(null, payload);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const facts = request.facts;
    const profileRoute = request.routeOptions.url === PROFILE_ROUTE;
    const source = profileRoute ? (request.params as Record<string, string | undefined>).source : undefined;
    const cacheOutcome = facts?.cacheOutcome;
    const durationMs = Math.round(reply.elapsedTime * 10) / 10;
    // Probes and scrapes come every few seconds: their successes are logged at debug level only.
    const routine = reply.statusCode < 400 && (request.routeOptions.url?.startsWith('/health/') === true || request.routeOptions.url === '/metrics');
    requestLog.write(routine ? 'debug' : 'info', {
      reqId: String(request.id),
      method: request.method,
      url: clip(request.url, 512),
      status: reply.statusCode,
      durationMs,
      source: source === undefined ? undefined : clip(source, 64),
      keyName: facts?.keyName,
      cacheStatus: facts?.cacheStatus,
      upstreamStatus: facts?.upstreamStatus,
      upstreamAttempts: facts?.upstreamAttempts,
      code: facts?.problemCode,
      batch: facts?.batch,
    });
    // A purge (`DELETE` on the same route) is counted in gateway_cache_purges_total, not as a profile request.
    if (profileRoute && request.method !== 'DELETE') {
      metrics.recordProfileRequest({
        source,
        keyName: facts?.keyName,
        status: reply.statusCode,
        problemCode: facts?.problemCode,
        cacheOutcome,
        durationMs,
      });
    }
    done();
  });
  await installTracing(app, config, logger);
  setupOpenApi(app, kindDescriptions());
  return app;
}

/** Creates, initializes and starts listening. */
export async function startGateway(config: GatewayConfig, logger: Logger): Promise<GatewayApp> {
  const app = await createGatewayApp(config, logger);
  await app.listen(config.server.port, config.server.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host === '0.0.0.0' || config.server.host === '::' ? '127.0.0.1' : config.server.host;
  return { app, url: `http://${host}:${port}` };
}

/** The signals that start the graceful shutdown. */
export const SHUTDOWN_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface ShutdownOptions {
  logger: Logger;
  /** Time allowed for in-flight requests and connection closing before the process is forced to exit (code 1). */
  timeoutMs: number;
  signals?: readonly NodeJS.Signals[];
  /** Defaults to `process.exit`. */
  exit?: (code: number) => void;
}

/**
 * Graceful shutdown on SIGTERM / SIGINT: the server stops accepting connections and answers new requests on open
 * keep-alive connections with 503, in-flight requests finish (their connections are closed after the answer), then
 * the upstream sockets and Redis connections are closed and the process exits with code 0. If that takes longer than
 * `timeoutMs`, a log line says so and the process exits with code 1. A second signal forces the exit at once.
 * @returns the shutdown routine (also what a signal triggers)
 */
export function installGracefulShutdown(app: NestFastifyApplication, options: ShutdownOptions): (signal: string) => Promise<void> {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const signals = options.signals ?? SHUTDOWN_SIGNALS;
  let started = false;

  const shutdown = async (signal: string): Promise<void> => {
    if (started) {
      options.logger.warn({ signal }, 'second signal during shutdown: exiting now');
      exit(1);
      return;
    }
    started = true;
    options.logger.info({ signal, timeoutMs: options.timeoutMs }, 'shutting down: finishing in-flight requests');
    const force = setTimeout(() => {
      options.logger.error({ timeoutMs: options.timeoutMs }, 'shutdown did not finish in time: forcing exit');
      exit(1);
    }, options.timeoutMs);
    force.unref();
    // Connections that turn idle after the server stopped listening are closed as soon as they do.
    const server = app.getHttpServer() as { closeIdleConnections?: () => void };
    const sweep = setInterval(() => server.closeIdleConnections?.(), 100);
    sweep.unref();
    try {
      await app.close();
      clearTimeout(force);
      options.logger.info({ signal }, 'shutdown complete');
      exit(0);
    } catch (error) {
      clearTimeout(force);
      options.logger.error({ err: error }, 'shutdown failed');
      exit(1);
    } finally {
      clearInterval(sweep);
    }
  };
  for (const signal of signals) process.on(signal, (received) => void shutdown(received));
  return shutdown;
}
