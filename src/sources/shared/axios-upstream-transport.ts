import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { TLSSocket } from 'node:tls';

import type { HttpService } from '@nestjs/axios';
import { type AxiosResponse, isAxiosError } from 'axios';
import { firstValueFrom } from 'rxjs';

import type { SourceConfig } from '../../config/config.types.js';
import { UpstreamBadResponseError, UpstreamFailureError, UpstreamTimeoutError } from '../../profiles/profile.errors.js';
import { encodeQuery, type RawUpstreamResponse, type UpstreamAttempt, type UpstreamRequest, type UpstreamTransport } from './upstream-http.contract.js';

function flattenHeaders(headers: AxiosResponse['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (typeof value === 'string') out[key.toLowerCase()] = value;
    else if (Array.isArray(value)) out[key.toLowerCase()] = value.join(', ');
    else if (typeof value === 'number') out[key.toLowerCase()] = String(value);
  }
  return out;
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
export class AxiosUpstreamTransport implements UpstreamTransport {
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
   * the connection. `limits.connectMs` defaults to the source's `connectTimeoutMs`. Sends `requestId` as `X-Request-Id`.
   */
  async get(request: UpstreamRequest, { signal, budgetMs, requestId, limits = {} }: UpstreamAttempt): Promise<RawUpstreamResponse> {
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
          headers: { Authorization: `Bearer ${this.config.token}`, Accept: request.accept ?? 'application/json', 'X-Request-Id': requestId },
          responseType: 'stream',
          // A raw GET: nothing to transform on the way out, and the streamed body is parsed once, by the caller.
          transformRequest: [],
          transformResponse: [],
          // Node's http adapter, named so axios does not pick one per request.
          adapter: 'http',
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
