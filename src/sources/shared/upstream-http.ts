import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { TLSSocket } from 'node:tls';

import type { HttpService } from '@nestjs/axios';
import { type AxiosResponse, isAxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';
import secureJson from 'secure-json-parse';

import type { SourceConfig } from '../../config/config.types.js';
import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamBadResponseError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamRejectedIdError,
  UpstreamTimeoutError,
} from '../../profiles/profile.errors.js';
import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext } from '../../profiles/profile-source.port.js';
import { parseRetryAfter } from '../../resilience/rate-limit.js';
import { type ResilienceOptions, ResilientUpstreamHttp } from '../../resilience/resilient-upstream-http.js';
import { exceedsJsonDepth, JsonTooDeepError, MAX_JSON_DEPTH } from './json-depth.js';

export { parseRetryAfter };

export interface UpstreamRequest {
  /** Path below the source's base URL, starting with `/`; every dynamic segment already encoded. */
  path: string;
  /** Query pairs, encoded here (repeated keys allowed, e.g. `expand[]`). */
  query?: ReadonlyArray<readonly [string, string]>;
}

export interface NotFoundRule {
  /** The id being looked up (for the error message). */
  id: string;
  /**
   * Whether a 404 body means "this user does not exist". Some upstreams also answer 404 for an unknown route
   * (a wrong base URL), which is an operator problem, not a missing profile.
   */
  isProfileNotFound: (body: JsonValue | undefined) => boolean;
}

export interface UpstreamJson {
  status: number;
  headers: Record<string, string | undefined>;
  body: JsonValue;
}

/** HTTP GET of one upstream, bound to one source. Every failure is a domain error. */
export interface UpstreamHttp {
  getJson(request: UpstreamRequest, context: FetchContext, notFound: NotFoundRule): Promise<UpstreamJson>;
}

/** One attempt's raw outcome, before classification. */
export interface RawUpstreamResponse {
  status: number;
  headers: Record<string, string | undefined>;
  text: string;
}

/** Builds the query string: each key and value encoded as one query component. */
export function encodeQuery(query: ReadonlyArray<readonly [string, string]> | undefined): string {
  if (!query || query.length === 0) return '';
  return '?' + query.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}

/** Encodes one path segment so that `/`, `..`, spaces and unicode stay inside it. */
export function encodePathSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  // `.` and `..` are not escaped by encodeURIComponent and would be resolved as dot-segments.
  if (encoded === '.' || encoded === '..') return encoded.replaceAll('.', '%2E');
  return encoded;
}

/**
 * Parses a JSON body so that `__proto__` and `constructor.prototype` keys cannot pollute objects, and so that every
 * later step that recurses over it (schema check, mapper, ETag, serialization) stays within the stack.
 * @throws JsonTooDeepError for a body nested deeper than `MAX_JSON_DEPTH` levels
 */
export function parseJsonSafely(text: string): JsonValue {
  const value = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as JsonValue;
  if (exceedsJsonDepth(value, MAX_JSON_DEPTH)) throw new JsonTooDeepError(MAX_JSON_DEPTH);
  return value;
}

function flattenHeaders(headers: AxiosResponse['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') out[key.toLowerCase()] = value;
    else if (Array.isArray(value)) out[key.toLowerCase()] = value.join(', ');
    else if (typeof value === 'number') out[key.toLowerCase()] = String(value);
  }
  return out;
}

/**
 * Turns one upstream answer into the JSON body or a domain error (contract section 4):
 * 2xx JSON → body; 400 → the id was rejected; 401/403 → our credentials; 404 → not found (when the body says so);
 * 429 → rate limited; anything else → `UPSTREAM_ERROR`.
 */
export function classifyResponse(source: string, response: RawUpstreamResponse, notFound: NotFoundRule, nowMs: number): UpstreamJson {
  const { status } = response;
  let body: JsonValue | undefined;
  let parseError: unknown;
  try {
    body = parseJsonSafely(response.text);
  } catch (error) {
    parseError = error;
  }
  if (status >= 200 && status < 300) {
    if (parseError !== undefined || body === undefined) {
      const reason = parseError instanceof JsonTooDeepError ? parseError.message : 'body is not JSON';
      throw new UpstreamBadResponseError(source, reason, status, { cause: parseError });
    }
    return { status, headers: response.headers, body };
  }
  switch (status) {
    case 400:
      throw new UpstreamRejectedIdError(source, notFound.id);
    case 401:
    case 403:
      throw new UpstreamAuthFailedError(source, status);
    case 404:
      if (notFound.isProfileNotFound(body)) throw new ProfileNotFoundError(source, notFound.id);
      throw new UpstreamFailureError(source, 'upstream answered 404 for the route (check baseUrl)', status);
    case 429:
      throw new UpstreamRateLimitedError(source, parseRetryAfter(response.headers['retry-after'], nowMs), status);
    default:
      throw new UpstreamFailureError(source, `upstream answered ${status}`, status);
  }
}

/**
 * Per-attempt bounds inside the lookup's total budget, in milliseconds. An absent or non-positive bound means
 * "only the budget applies".
 */
export interface AttemptLimits {
  /** From the moment a new socket is assigned until it is connected (TLS included). Reused sockets skip it. */
  connectMs?: number;
  /** From the start of the attempt until the status line and headers have arrived. */
  headersMs?: number;
  /** From the headers until the last byte of the body. */
  bodyMs?: number;
}

type Phase = 'connect' | 'headers' | 'body';

/** `transport` option of axios: `http(s).request` with our own request target and a connect timer. */
interface RequestTransport {
  request(options: http.RequestOptions, callback: (response: http.IncomingMessage) => void): http.ClientRequest;
}

/**
 * Sends `target` as the request target exactly as built (axios resolves the URL with WHATWG rules, which turn an
 * encoded id `%2E%2E` back into a `..` dot-segment), and bounds the connect of every socket that still has to
 * connect by `connectMs`.
 */
function requestTransport(target: string, connectMs: number | undefined, onConnectTimeout: () => void): RequestTransport {
  return {
    request(options, callback) {
      const targeted = { ...options, path: target };
      const request = options.protocol === 'https:' ? https.request(targeted, callback) : http.request(targeted, callback);
      if (connectMs === undefined || connectMs <= 0) return request;
      request.once('socket', (socket: Socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(onConnectTimeout, connectMs);
        const done = (): void => clearTimeout(timer);
        socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', done);
        socket.once('close', done);
      });
      return request;
    },
  };
}

/**
 * Single-attempt transport over `@nestjs/axios` with a keep-alive agent per source. The body is streamed
 * (`responseType: 'stream'`) and counted while it arrives, so an oversized answer is cut off at
 * `maxResponseBytes` instead of being buffered; the raw text is kept so it can be parsed safely.
 */
export class AxiosUpstreamTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  /** Path of the base URL (`''` for none), prefixed to every request target. */
  private readonly basePath: string;

  constructor(
    private readonly httpService: HttpService,
    private readonly config: SourceConfig,
  ) {
    const { pathname } = new URL(config.baseUrl);
    this.basePath = pathname === '/' ? '' : pathname.replace(/\/$/, '');
    const agentOptions = { keepAlive: true, maxSockets: config.maxConcurrency, maxFreeSockets: config.maxConcurrency };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /**
   * Performs one GET. Resolves with any HTTP status. Rejects with `UpstreamTimeoutError` when `signal` fires
   * (the budget `budgetMs` is spent) or a bound of `limits` is exceeded, with `UpstreamBadResponseError` for a body
   * over `maxResponseBytes`, and with `UpstreamFailureError` (status 0) on network failures. Every failure closes
   * the connection. `limits.connectMs` defaults to the source's `connectTimeoutMs`.
   */
  async get(request: UpstreamRequest, signal: AbortSignal, budgetMs: number, limits: AttemptLimits = {}): Promise<RawUpstreamResponse> {
    const target = this.basePath + request.path + encodeQuery(request.query);
    const url = this.config.baseUrl + request.path + encodeQuery(request.query);
    const attempt = new AbortController();
    const timers: NodeJS.Timeout[] = [];
    let expired: { phase: Phase; ms: number } | undefined;
    const bound = (phase: Phase, ms: number | undefined): NodeJS.Timeout | undefined => {
      if (ms === undefined || ms <= 0) return undefined;
      const timer = setTimeout(() => {
        expired ??= { phase, ms };
        attempt.abort();
      }, ms);
      timers.push(timer);
      return timer;
    };
    const onAbort = (): void => attempt.abort();
    if (signal.aborted) attempt.abort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const connectMs = limits.connectMs ?? this.config.connectTimeoutMs;

    try {
      const headersTimer = bound('headers', limits.headersMs);
      const response = await firstValueFrom(
        this.httpService.get<Readable>(url, {
          headers: { Authorization: `Bearer ${this.config.token}`, Accept: 'application/json' },
          responseType: 'stream',
          validateStatus: () => true,
          // Counted here while streaming, so the limit does not depend on the axios version.
          maxContentLength: -1,
          maxRedirects: 0,
          signal: attempt.signal,
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
          proxy: false,
          transport: requestTransport(target, connectMs, () => {
            expired ??= { phase: 'connect', ms: connectMs };
            attempt.abort();
          }),
        }),
      );
      clearTimeout(headersTimer);
      bound('body', limits.bodyMs);
      const headers = flattenHeaders(response.headers);
      const text = await this.readBody(response.data, response.status, headers['content-length'], attempt);
      return { status: response.status, headers, text };
    } catch (error) {
      attempt.abort();
      throw this.toDomainError(error, signal, budgetMs, expired);
    } finally {
      for (const timer of timers) clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
  }

  private async readBody(body: Readable, status: number, contentLength: string | undefined, attempt: AbortController): Promise<string> {
    const limit = this.config.maxResponseBytes;
    const tooLarge = (): UpstreamBadResponseError => {
      body.destroy();
      attempt.abort();
      return new UpstreamBadResponseError(this.config.name, `body larger than ${limit} bytes`, status);
    };
    if (contentLength !== undefined && Number(contentLength) > limit) throw tooLarge();
    const onAbort = (): void => void body.destroy(new Error('attempt aborted'));
    attempt.signal.addEventListener('abort', onAbort, { once: true });
    try {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of body) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
        size += buffer.length;
        if (size > limit) throw tooLarge();
        chunks.push(buffer);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
    } finally {
      attempt.signal.removeEventListener('abort', onAbort);
    }
  }

  private toDomainError(error: unknown, signal: AbortSignal, budgetMs: number, expired: { phase: Phase; ms: number } | undefined): Error {
    const source = this.config.name;
    if (signal.aborted) return new UpstreamTimeoutError(source, budgetMs);
    if (expired) return new UpstreamTimeoutError(source, expired.ms);
    if (error instanceof UpstreamBadResponseError) return error;
    if (isAxiosError(error)) {
      // Only the error code: axios messages may carry the URL, and no URL leaves the process in an error.
      return new UpstreamFailureError(source, `network error (${error.code ?? 'unknown'})`, 0);
    }
    const code = typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'unknown';
    return new UpstreamFailureError(source, `network error (${code})`, 0);
  }

  destroy(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

/** What the gateway wants to know about upstream calls (metrics, logs). All optional. */
export interface UpstreamObserver {
  /** One HTTP attempt finished: status (0 = network/timeout) and duration. */
  onAttempt?(source: string, status: number, durationMs: number): void;
  /** The source's circuit changed state. */
  onCircuitState?(source: string, state: 'closed' | 'open' | 'half-open'): void;
}

/**
 * The upstream client of one source: the single-attempt transport wrapped in the source's resilience policies
 * (total time budget, retries, circuit breaker, bulkhead, upstream rate-limit awareness; see `src/resilience/`),
 * with every answer classified into a body or a domain error.
 */
export function createUpstreamHttp(
  config: SourceConfig,
  httpService: HttpService,
  observer: UpstreamObserver = {},
  options: ResilienceOptions = {},
): ResilientUpstreamHttp {
  const transport = new AxiosUpstreamTransport(httpService, config);
  const bounds: ResilienceOptions = { headersTimeoutMs: config.headersTimeoutMs, bodyTimeoutMs: config.bodyTimeoutMs, ...options };
  return new ResilientUpstreamHttp(config, transport, (response, notFound, nowMs) => classifyResponse(config.name, response, notFound, nowMs), observer, bounds);
}
