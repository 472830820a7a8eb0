import {
  type Attributes,
  type Context,
  type ContextManager,
  ROOT_CONTEXT,
  type Span,
  type SpanKind,
  type TextMapGetter,
  type TextMapSetter,
  trace,
  TraceFlags,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { type ExportResult, ExportResultCode, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  ParentBasedSampler,
  type ReadableSpan,
  type Span as SdkSpan,
  type SpanExporter,
  type SpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

import type { TracingConfig } from '../config/config.types.js';
import { type RequestTracing, sharedContextManager, TRACING_KEY } from './active-tracing.js';

/** Why a span was not exported: the bounded queue was full, or the collector refused or did not answer. */
export type SpanDropReason = 'queue_full' | 'export_failed';

/** Bounds of the batching span processor. The queue is what an unreachable collector can cost in memory. */
export interface BatchLimits {
  /** Finished spans waiting for export; more are dropped (and counted). */
  maxQueueSize: number;
  maxExportBatchSize: number;
  /** Longest wait before a partly filled batch is exported. */
  scheduledDelayMs: number;
  /** Bound of one export request to the collector. */
  exportTimeoutMs: number;
}

const DEFAULT_BATCH_LIMITS: BatchLimits = { maxQueueSize: 4096, maxExportBatchSize: 512, scheduledDelayMs: 2_000, exportTimeoutMs: 5_000 };

export interface GatewayTracingOptions {
  config: TracingConfig;
  /** Replaces the OTLP/HTTP exporter (tests use an in-memory one). */
  exporter?: SpanExporter;
  batch?: Partial<BatchLimits>;
  /** Spans that will never reach the collector. */
  onDropped?: (reason: SpanDropReason, count: number) => void;
  /** A failed export (at most once a minute, so a collector that is down does not flood the log). */
  onExportError?: (error: Error | undefined) => void;
}

const EXPORT_ERROR_LOG_INTERVAL_MS = 60_000;

const headerGetter: TextMapGetter<Record<string, string | string[] | undefined>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};

const recordSetter: TextMapSetter<Record<string, unknown>> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

/** Spans handed to the batching processor and not yet handed on to the exporter: the processor's queue length. */
interface QueueLength {
  value: number;
}

/**
 * Counts what the batching processor would drop. Every sampled span passes through `onEnd` here first; the exporter
 * wrapper reports each batch it is handed, so `queue` is the processor's queue length and a span that would not fit
 * is counted and not forwarded. Failed exports are counted by the exporter wrapper.
 */
class DropCountingProcessor implements SpanProcessor {
  constructor(
    private readonly inner: SpanProcessor,
    private readonly queue: QueueLength,
    private readonly maxQueueSize: number,
    private readonly onDropped: (reason: SpanDropReason, count: number) => void,
  ) {}

  onStart(span: SdkSpan, parentContext: Context): void {
    this.inner.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.queue.value >= this.maxQueueSize) {
      this.onDropped('queue_full', 1);
      return;
    }
    this.queue.value++;
    this.inner.onEnd(span);
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

class CountingExporter implements SpanExporter {
  constructor(
    private readonly inner: SpanExporter,
    private readonly onBatch: (count: number) => void,
    private readonly onFailed: (count: number, error: Error | undefined) => void,
  ) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.onBatch(spans.length);
    this.inner.export(spans, (result) => {
      if (result.code !== ExportResultCode.SUCCESS) this.onFailed(spans.length, result.error);
      resultCallback(result);
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/**
 * The gateway's OpenTelemetry tracing (contract section 9): a tracer provider of its own (never registered as the
 * global one), parent-based ratio sampling, W3C Trace Context, and a batching processor with a bounded queue in
 * front of the OTLP/HTTP exporter (JSON). Export never blocks a request: spans are queued when they end and sent
 * in the background; what cannot be sent is dropped and counted.
 */
export class GatewayTracing implements RequestTracing {
  readonly tracer: Tracer;
  private readonly provider: TracerProvider;
  private readonly propagator = new W3CTraceContextPropagator();
  private readonly manager: ContextManager;
  private lastExportErrorLogMs = Number.NEGATIVE_INFINITY;
  private shutdownStarted: Promise<void> | undefined;

  constructor(options: GatewayTracingOptions) {
    const limits = { ...DEFAULT_BATCH_LIMITS, ...options.batch };
    const onDropped = options.onDropped ?? (() => undefined);
    const exporter =
      options.exporter ??
      new OTLPTraceExporter({ url: options.config.otlpEndpoint, timeoutMillis: limits.exportTimeoutMs, concurrencyLimit: 4 });
    const queue: QueueLength = { value: 0 };
    const counted = new CountingExporter(
      exporter,
      (count) => {
        queue.value = Math.max(0, queue.value - count);
      },
      (count, error) => {
        onDropped('export_failed', count);
        this.reportExportError(options, error);
      },
    );
    const batch = new BatchSpanProcessor({
      exporter: counted,
      maxQueueSize: limits.maxQueueSize,
      maxExportBatchSize: Math.min(limits.maxExportBatchSize, limits.maxQueueSize),
      scheduledDelayMillis: limits.scheduledDelayMs,
      exportTimeoutMillis: limits.exportTimeoutMs,
    });
    const counting = new DropCountingProcessor(batch, queue, limits.maxQueueSize, onDropped);
    this.provider = new TracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.config.serviceName }),
      sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(options.config.sampleRatio) }),
      spanProcessors: [counting],
    });
    this.tracer = this.provider.getTracer('profile-gateway');
    this.manager = sharedContextManager(() => new AsyncLocalStorageContextManager());
  }

  /** The caller's trace context from `traceparent` / `tracestate` (the root context when there is none or it is invalid). */
  extract(headers: Record<string, string | string[] | undefined>): Context {
    return this.propagator.extract(ROOT_CONTEXT, headers, headerGetter);
  }

  /** Writes `traceparent` (and `tracestate`) of the span current in `context`. */
  inject(context: Context, carrier: Record<string, unknown>): void {
    this.propagator.inject(context, carrier, recordSetter);
  }

  /** Starts a span as a child of the span of `parent`; `withSpan` makes it current. */
  startSpan(name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span {
    return this.tracer.startSpan(name, { kind, attributes }, parent);
  }

  /** A context in which `span` is current, and this tracing with it. */
  contextWith(parent: Context, span: Span): Context {
    return trace.setSpan(parent, span).setValue(TRACING_KEY, this);
  }

  /** Runs `fn` with `context` as the current context (it follows every callback and promise `fn` starts). */
  run<T>(context: Context, fn: () => T): T {
    return this.manager.with(context, fn);
  }

  /** Exports the spans queued so far (tests; shutdown flushes by itself). */
  flush(): Promise<void> {
    return this.provider.forceFlush();
  }

  /**
   * Exports the spans still queued and stops, within `timeoutMs`: spans of requests that have finished are sent
   * before the process exits, and a collector that does not answer delays the exit by `timeoutMs` at most.
   */
  async shutdown(timeoutMs: number): Promise<void> {
    this.shutdownStarted ??= this.provider.shutdown().catch(() => undefined);
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([this.shutdownStarted, bound]);
    } finally {
      clearTimeout(timer);
    }
  }

  private reportExportError(options: GatewayTracingOptions, error: Error | undefined): void {
    const now = Date.now();
    if (now - this.lastExportErrorLogMs < EXPORT_ERROR_LOG_INTERVAL_MS) return;
    this.lastExportErrorLogMs = now;
    options.onExportError?.(error);
  }
}

