import pino, { type Logger } from 'pino';

/** The fields of the one line logged per request (`request completed`). Never a key, a token or a header value. */
export interface RequestLogFields {
  reqId: string;
  method: string;
  url: string;
  status: number;
  durationMs: number;
  source?: string | undefined;
  keyName?: string | undefined;
  cacheStatus?: string | undefined;
  upstreamStatus?: number | undefined;
  upstreamAttempts?: number | undefined;
  code?: string | undefined;
  batch?: { size: number; statuses: Record<string, number> } | undefined;
}

export type RequestLogLevel = 'info' | 'debug';

/** `trace_id` / `span_id` of the current span inside a traced request, or no field. */
export type TraceFields = () => { trace_id?: string; span_id?: string };

const LEVEL_LABEL: Record<RequestLogLevel, string> = { info: '{"level":"info","time":"', debug: '{"level":"debug","time":"' };

/**
 * Writes the request line straight into the logger's destination, as the JSON line pino would write for
 * `logger.child({ reqId }).info(fields, 'request completed')`: same fields, same level label, same ISO timestamp, same
 * base bindings, in the same stream (so it stays in order with every other line). It exists because the line has a
 * fixed shape and is written once per request: pino's generic path (child bindings, mixin, redaction, serializers,
 * a generic stringify and a new `Date` per line) cost about 4 µs of a 35 µs cache hit; this costs under 1 µs. Every
 * other line goes through pino.
 */
export class RequestLog {
  private readonly stream: pino.DestinationStream;
  /** `,"service":"profile-gateway"`: the logger's base bindings, as pino serialized them. */
  private readonly bindings: string;
  private lastMs = -1;
  private lastIso = '';

  constructor(
    private readonly logger: Logger,
    private readonly traceFields: TraceFields = () => ({}),
    private readonly now: () => number = Date.now,
  ) {
    this.stream = (logger as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym]!;
    this.bindings = (logger as unknown as Record<symbol, string>)[pino.symbols.chindingsSym] ?? '';
  }

  write(level: RequestLogLevel, fields: RequestLogFields): void {
    if (!this.logger.isLevelEnabled(level)) return;
    let line = `${LEVEL_LABEL[level]}${this.isoTime()}"${this.bindings},"reqId":${JSON.stringify(fields.reqId)}`;
    const trace = this.traceFields();
    if (trace.trace_id !== undefined) line += `,"trace_id":"${trace.trace_id}","span_id":"${trace.span_id}"`;
    line += `,"method":${JSON.stringify(fields.method)},"url":${JSON.stringify(fields.url)},"status":${fields.status},"durationMs":${fields.durationMs}`;
    if (fields.source !== undefined) line += `,"source":${JSON.stringify(fields.source)}`;
    if (fields.keyName !== undefined) line += `,"keyName":${JSON.stringify(fields.keyName)}`;
    if (fields.cacheStatus !== undefined) line += `,"cacheStatus":${JSON.stringify(fields.cacheStatus)}`;
    if (fields.upstreamStatus !== undefined) line += `,"upstreamStatus":${fields.upstreamStatus},"upstreamAttempts":${fields.upstreamAttempts ?? 0}`;
    if (fields.code !== undefined) line += `,"code":${JSON.stringify(fields.code)}`;
    if (fields.batch !== undefined) line += `,"batch":${JSON.stringify(fields.batch)}`;
    this.stream.write(`${line},"msg":"request completed"}\n`);
  }

  /** `Date#toISOString()`, rebuilt only when the millisecond changes (many lines share one at these rates). */
  private isoTime(): string {
    const ms = this.now();
    if (ms !== this.lastMs) {
      this.lastMs = ms;
      this.lastIso = new Date(ms).toISOString();
    }
    return this.lastIso;
  }
}
