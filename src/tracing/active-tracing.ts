import { type Attributes, type Context, type ContextManager, createContextKey, type Span, type SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { ATTR_ERROR_TYPE } from '@opentelemetry/semantic-conventions';

/*
 * What the request path needs to know about tracing, without the SDK: the SDK (`gateway-tracing.ts`, with its OTLP
 * exporter) is loaded only when a configuration has a `tracing` section, so a gateway without tracing neither loads
 * it nor pays for it in memory (about 20 MB of RSS).
 */

/** What a traced request does with its tracing (implemented by `GatewayTracing`). */
export interface RequestTracing {
  startSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span;
  /** A context in which `span` is current, and this tracing with it. */
  contextWith(parent: Context, span: Span): Context;
  run<T>(context: Context, fn: () => T): T;
  inject(context: Context, carrier: Record<string, unknown>): void;
}

/** Carries the tracing of the current request in an OpenTelemetry context (several gateways may share a process). */
export const TRACING_KEY = createContextKey('profile-gateway tracing');

/** The one context manager of the process, set when the first tracing starts: without tracing there is none. */
let contextManager: ContextManager | undefined;

/** The process's context manager, created by `create` the first time. */
export function sharedContextManager(create: () => ContextManager): ContextManager {
  contextManager ??= create().enable();
  return contextManager;
}

/** The tracing and context of the request running here, or undefined when it is not traced (or tracing is off). */
export function activeTracing(): { tracing: RequestTracing; context: Context } | undefined {
  if (contextManager === undefined) return undefined;
  const context = contextManager.active();
  // Only `GatewayTracing.contextWith` sets this key, which no other module can name.
  const tracing = context.getValue(TRACING_KEY) as RequestTracing | undefined;
  return tracing === undefined ? undefined : { tracing, context };
}

/** The problem `code` of an error (domain errors carry one), else its class name. */
export function errorTypeOf(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && /^[A-Z][A-Z0-9_]{0,63}$/.test(code)) return code;
    if (error instanceof Error) return error.name;
  }
  return 'Error';
}

/** Marks a span as failed with `type` (a problem code, or an HTTP status as text). */
export function markError(span: Span, type: string): void {
  span.setAttribute(ATTR_ERROR_TYPE, type);
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}
