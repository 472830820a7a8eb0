import type { Span } from '@opentelemetry/api';
import { SpanKind } from '@opentelemetry/api';
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_HTTP_ROUTE, ATTR_URL_SCHEME } from '@opentelemetry/semantic-conventions';
import type { FastifyInstance } from 'fastify';

import { markError } from './active-tracing.js';
import type { GatewayTracing } from './gateway-tracing.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The server span of a traced route (null otherwise, and once it has ended). */
    traceSpan: Span | null;
  }
}

/**
 * Routes that get a server span, as Fastify names them, with their OpenTelemetry route template. The batch route is
 * listed ahead of its arrival: it is traced as `POST /profiles/batch` as soon as it is registered.
 */
const TRACED_ROUTES: ReadonlyMap<string, string> = new Map([
  ['/profiles/:source/:id', '/profiles/{source}/{id}'],
  ['/profiles/batch', '/profiles/batch'],
]);

/** The server span's name: `GET /profiles/{source}/{id}`, `POST /profiles/batch`. */
export function serverSpanName(method: string, routeTemplate: string): string {
  return `${method} ${routeTemplate}`;
}

/** What the server span needs to know about the answer once it is sent. */
export interface ServerAnswer {
  status: number;
  /** The problem `code` of an error answer. */
  problemCode: string | undefined;
}

/**
 * Ends a server span with the HTTP semantic-convention status attribute. An error answer (one with a problem code,
 * or any 5xx) sets the span status to error and records the code as `error.type`.
 */
function endServerSpan(span: Span, answer: ServerAnswer): void {
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, answer.status);
  if (answer.problemCode !== undefined) markError(span, answer.problemCode);
  else if (answer.status >= 500) markError(span, String(answer.status));
  span.end();
}

/**
 * Server spans for the traced routes: the caller's `traceparent` / `tracestate` are the parent (sampling follows
 * the caller's decision), and the rest of the request runs with the span current, so the cache lookup, the
 * upstream attempts and every log line of the request belong to it. `X-Request-Id` is left as it is.
 */
export function installServerTracing(fastify: FastifyInstance, tracing: GatewayTracing): void {
  fastify.decorateRequest('traceSpan', null);
  fastify.addHook('onRequest', (request, _reply, done) => {
    const route = request.routeOptions.url;
    const template = route === undefined ? undefined : TRACED_ROUTES.get(route);
    if (template === undefined) {
      done();
      return;
    }
    const parent = tracing.extract(request.headers);
    const span = tracing.startSpan(
      serverSpanName(request.method, template),
      SpanKind.SERVER,
      { [ATTR_HTTP_REQUEST_METHOD]: request.method, [ATTR_HTTP_ROUTE]: template, [ATTR_URL_SCHEME]: request.protocol },
      parent,
    );
    request.traceSpan = span;
    tracing.run(tracing.contextWith(parent, span), done);
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = request.traceSpan;
    if (span) {
      request.traceSpan = null;
      endServerSpan(span, { status: reply.statusCode, problemCode: request.facts?.problemCode });
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    // The caller went away before the answer: the span ends now (Fastify sends no onResponse for it).
    const span = request.traceSpan;
    if (span) {
      request.traceSpan = null;
      markError(span, 'CLIENT_ABORTED');
      span.end();
    }
    done();
  });
}
