import http from 'node:http';
import https from 'node:https';

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

/** Parses a JSON body so that `__proto__` and `constructor.prototype` keys cannot pollute objects. */
export function parseJsonSafely(text: string): JsonValue {
  return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' }) as JsonValue;
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

/** Seconds from a `Retry-After` header (delta seconds or an HTTP date), if usable. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
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
      throw new UpstreamBadResponseError(source, 'body is not JSON', status, { cause: parseError });
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
 * Single-attempt transport over `@nestjs/axios` with a keep-alive agent per source. Reads the body as text
 * (bounded by `maxResponseBytes`) so the raw body can be kept and parsed safely.
 */
export class AxiosUpstreamTransport {
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;

  constructor(
    private readonly httpService: HttpService,
    private readonly config: SourceConfig,
  ) {
    const agentOptions = { keepAlive: true, maxSockets: config.maxConcurrency, maxFreeSockets: config.maxConcurrency };
    this.httpAgent = new http.Agent(agentOptions);
    this.httpsAgent = new https.Agent(agentOptions);
  }

  /**
   * Performs one GET. Resolves with any HTTP status; rejects with `UpstreamTimeoutError` when `signal` fires
   * because of the budget, and with `UpstreamFailureError` (status 0) on network failures.
   */
  async get(request: UpstreamRequest, signal: AbortSignal, budgetMs: number): Promise<RawUpstreamResponse> {
    const url = this.config.baseUrl + request.path + encodeQuery(request.query);
    try {
      const response = await firstValueFrom(
        this.httpService.get<string>(url, {
          headers: { Authorization: `Bearer ${this.config.token}`, Accept: 'application/json' },
          responseType: 'text',
          transformResponse: [(data: unknown) => data],
          validateStatus: () => true,
          maxContentLength: this.config.maxResponseBytes,
          maxRedirects: 0,
          signal,
          httpAgent: this.httpAgent,
          httpsAgent: this.httpsAgent,
          proxy: false,
        }),
      );
      return {
        status: response.status,
        headers: flattenHeaders(response.headers),
        text: typeof response.data === 'string' ? response.data : String(response.data ?? ''),
      };
    } catch (error) {
      throw this.toDomainError(error, signal, budgetMs);
    }
  }

  private toDomainError(error: unknown, signal: AbortSignal, budgetMs: number): Error {
    const source = this.config.name;
    if (signal.aborted) return new UpstreamTimeoutError(source, budgetMs);
    if (isAxiosError(error)) {
      if (error.message.includes('maxContentLength')) {
        return new UpstreamBadResponseError(source, `body larger than ${this.config.maxResponseBytes} bytes`, error.response?.status ?? 200);
      }
      // Only the error code: axios messages may carry the URL, and no URL leaves the process in an error.
      return new UpstreamFailureError(source, `network error (${error.code ?? 'unknown'})`, 0);
    }
    return new UpstreamFailureError(source, 'network error', 0);
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
 * The upstream client of one source: total time budget, then classification of the answer.
 * (Retries, circuit breaker, bulkhead and rate-limit awareness are layered in `src/resilience/`.)
 */
export function createUpstreamHttp(config: SourceConfig, httpService: HttpService, observer: UpstreamObserver = {}): UpstreamHttp & { close(): void } {
  const transport = new AxiosUpstreamTransport(httpService, config);
  return {
    async getJson(request, context, notFound) {
      const budget = AbortSignal.timeout(config.timeoutMs);
      const signal = context.signal ? AbortSignal.any([budget, context.signal]) : budget;
      const started = performance.now();
      let status = 0;
      try {
        const response = await transport.get(request, signal, config.timeoutMs);
        status = response.status;
        return classifyResponse(config.name, response, notFound, Date.now());
      } finally {
        observer.onAttempt?.(config.name, status, performance.now() - started);
      }
    },
    close: () => transport.destroy(),
  };
}
