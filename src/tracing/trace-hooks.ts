import { type Attributes, isSpanContextValid, type Span, SpanKind, trace } from '@opentelemetry/api';
import {
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from '@opentelemetry/semantic-conventions';

import { activeTracing, errorTypeOf, markError } from './active-tracing.js';

/*
 * The calls the gateway's code makes into tracing. Each one first checks whether the current request is traced
 * (one context lookup; none at all while no tracing was ever started) and otherwise does nothing: no span, no
 * allocation. No attribute ever holds an id, a URL path or query with an id, a token, a key or a profile field.
 */

export const ATTR_PROFILE_SOURCE = 'profile.source';
export const ATTR_PROFILE_KIND = 'profile.kind';
export const ATTR_CACHE_STATUS = 'cache.status';
export const ATTR_URL_TEMPLATE = 'url.template';
export const ATTR_LEASE_OUTCOME = 'cache.lease.outcome';

/** How a traced lookup's answer (or error) reads as `Cache-Status`; undefined when it has none. */
export interface CacheStatusReader<T> {
  ofAnswer(answer: T): string;
  ofError(error: unknown): string | undefined;
}

/**
 * Traces one cache lookup (`cache.lookup`) with its source, kind and resulting `Cache-Status`. A lookup that ends in
 * an error records its problem code (and the `Cache-Status` the error carries, if any, e.g. a cached 404).
 */
export function traceCacheLookup<T>(source: string, kind: string, lookup: () => Promise<T>, status: CacheStatusReader<T>): Promise<T> {
  const active = activeTracing();
  if (!active) return lookup();
  const { tracing, context } = active;
  const span = tracing.startSpan('cache.lookup', SpanKind.INTERNAL, { [ATTR_PROFILE_SOURCE]: source, [ATTR_PROFILE_KIND]: kind }, context);
  return tracing.run(tracing.contextWith(context, span), lookup).then(
    (answer) => {
      span.setAttribute(ATTR_CACHE_STATUS, status.ofAnswer(answer));
      span.end();
      return answer;
    },
    (error: unknown) => {
      const cacheStatus = status.ofError(error);
      if (cacheStatus !== undefined) span.setAttribute(ATTR_CACHE_STATUS, cacheStatus);
      markError(span, errorTypeOf(error));
      span.end();
      throw error;
    },
  );
}

/**
 * Traces a wait on another instance's upstream call (`cache.lease.wait`, the cache's `CacheTracer.leaseWait`);
 * `cache.lease.outcome` says how it ended: `stored` (that call's entry arrived), `free` (the lease ended without one:
 * this instance takes over), `deadline` (the lookup's budget ran out), `failed` (Redis did not answer: this instance
 * calls the upstream itself) or `closed`.
 */
export function traceLeaseWait<T extends { readonly kind: string }>(wait: () => Promise<T>): Promise<T> {
  const active = activeTracing();
  if (!active) return wait();
  const { tracing, context } = active;
  const span = tracing.startSpan('cache.lease.wait', SpanKind.INTERNAL, {}, context);
  return tracing.run(tracing.contextWith(context, span), wait).then(
    (end) => {
      span.setAttribute(ATTR_LEASE_OUTCOME, end.kind === 'entry' ? 'stored' : end.kind);
      if (end.kind === 'deadline') markError(span, 'UPSTREAM_TIMEOUT');
      span.end();
      return end;
    },
    (error: unknown) => {
      markError(span, errorTypeOf(error));
      span.end();
      throw error;
    },
  );
}

/** The tracer the cache is given when tracing is on. */
export const CACHE_TRACER = { leaseWait: traceLeaseWait };

/** What the client span of an upstream attempt may say about its target: configuration, never the request's id. */
export interface UpstreamTarget {
  /** The source's name and kind (configuration). */
  name: string;
  kind: string;
  baseUrl: string;
}

/** One upstream attempt's client span; `run` makes it current so the attempt's `traceparent` names it. */
export interface UpstreamAttemptSpan {
  run<T>(fn: () => T): T;
  /** `status`: the upstream's HTTP status (0 = none); `failure`: what the attempt threw, if it failed. */
  end(status: number, failure: unknown): void;
}

const UNTRACED_ATTEMPT: UpstreamAttemptSpan = {
  run: (fn) => fn(),
  end: () => undefined,
};

/** Server address, port and base path of a base URL, computed once per source. */
const targets = new Map<string, { address: string; port: number; basePath: string }>();

function targetOf(baseUrl: string): { address: string; port: number; basePath: string } {
  let target = targets.get(baseUrl);
  if (!target) {
    const url = new URL(baseUrl);
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    target = { address: url.hostname, port, basePath: url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '') };
    targets.set(baseUrl, target);
  }
  return target;
}

/**
 * Starts the client span of one upstream attempt: `http.request.method`, `server.address`, `server.port`,
 * `url.template` (the kind's path template below the base URL, e.g. `/v2/users/{id}`) and, for retries,
 * `http.request.resend_count`. Named `GET <url.template>` (or `GET` without a template).
 */
export function startUpstreamAttempt(source: UpstreamTarget, urlTemplate: string | undefined, resendCount: number): UpstreamAttemptSpan {
  const active = activeTracing();
  if (!active) return UNTRACED_ATTEMPT;
  const { tracing, context } = active;
  const target = targetOf(source.baseUrl);
  const template = urlTemplate === undefined ? undefined : target.basePath + urlTemplate;
  const attributes: Attributes = {
    [ATTR_HTTP_REQUEST_METHOD]: 'GET',
    [ATTR_SERVER_ADDRESS]: target.address,
    [ATTR_SERVER_PORT]: target.port,
    [ATTR_PROFILE_SOURCE]: source.name,
    [ATTR_PROFILE_KIND]: source.kind,
  };
  if (template !== undefined) attributes[ATTR_URL_TEMPLATE] = template;
  if (resendCount > 0) attributes[ATTR_HTTP_REQUEST_RESEND_COUNT] = resendCount;
  const span = tracing.startSpan(template === undefined ? 'GET' : `GET ${template}`, SpanKind.CLIENT, attributes, context);
  const spanContext = tracing.contextWith(context, span);
  return {
    run: (fn) => tracing.run(spanContext, fn),
    end: (status, failure) => endAttempt(span, status, failure),
  };
}

function endAttempt(span: Span, status: number, failure: unknown): void {
  if (status > 0) span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (failure !== undefined) markError(span, errorTypeOf(failure));
  else if (status >= 400) markError(span, String(status));
  span.end();
}

/** `traceparent` / `tracestate` of the current span, for an outgoing upstream request; nothing when not traced. */
export function injectTraceHeaders(carrier: Record<string, unknown>): void {
  const active = activeTracing();
  if (active) active.tracing.inject(active.context, carrier);
}

/** Returned by the log mixin outside traced requests; recognised (never modified) by `mergeTraceLogFields`. */
const NO_TRACE_FIELDS: Readonly<Record<string, never>> = Object.freeze({});

/** pino `mixin`: `trace_id` and `span_id` of the current span inside a traced request. */
export function traceLogFields(): object {
  const active = activeTracing();
  if (!active) return NO_TRACE_FIELDS;
  const spanContext = trace.getSpanContext(active.context);
  if (!spanContext || !isSpanContextValid(spanContext)) return NO_TRACE_FIELDS;
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

/** pino `mixinMergeStrategy` for `traceLogFields`: a log line outside a traced request is left as it is. */
export function mergeTraceLogFields(mergeObject: object, mixinObject: object): object {
  return mixinObject === NO_TRACE_FIELDS ? mergeObject : Object.assign(mixinObject, mergeObject);
}
