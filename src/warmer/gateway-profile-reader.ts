import type { ProfileRequest } from '../api/profiles.service.js';
import type { CacheAnswer, ServedOutcome } from '../cache/index.js';
import { DomainError, ERROR_CODES, type ErrorCode, ProfileNotFoundError, UpstreamRateLimitedError } from '../profiles/profile.errors.js';
import type { ProfileReader } from './cache-warmer.js';
import { type Clock, systemClock } from './worker-pool.js';

/** An error answer of the gateway, with its problem `code`. */
class GatewayAnswerError extends DomainError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    source: string,
  ) {
    super(message, source);
  }
}

interface GatewayProfileReaderOptions {
  /** Base URL of the gateway, without a trailing slash. */
  baseUrl: string;
  /** Caller key (`Authorization: Bearer`); none for a gateway with caller auth disabled. */
  apiKey?: string | undefined;
  /** Bound of one HTTP request. Default 30 s (the gateway's own budgets are far shorter). */
  requestTimeoutMs?: number;
  /** Waits for the caller's rate limit one lookup may go through before it fails with `RATE_LIMITED`. Default 5. */
  maxRateLimitWaits?: number;
  /** Longest single wait for the caller's rate limit. Default 5 min. */
  maxWaitMs?: number;
  clock?: Clock;
  /** Defaults to the global `fetch`. */
  fetch?: typeof fetch;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_WAITS = 5;
const DEFAULT_MAX_WAIT_MS = 5 * 60_000;
const MIN_WAIT_MS = 250;
const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

/**
 * Seconds until the caller's budget resets when the answer says none is left: the IETF draft headers, in the form
 * of draft revision 10 and later (`RateLimit: "<name>";r=0;t=12`) or of the earlier ones (`RateLimit-Remaining: 0`
 * with `RateLimit-Reset: 12`). Undefined when requests are left or the headers are absent.
 */
export function exhaustedForSeconds(headers: Headers): number | undefined {
  const combined = headers.get('ratelimit');
  if (combined !== null) {
    const remaining = /(?:^|;)\s*r=(\d+)/.exec(combined)?.[1];
    const reset = /(?:^|;)\s*t=(\d+)/.exec(combined)?.[1];
    if (remaining === '0' && reset !== undefined) return Number(reset);
  }
  const remaining = headers.get('ratelimit-remaining');
  const reset = headers.get('ratelimit-reset');
  if (remaining?.trim() === '0' && reset !== null && /^\d+$/.test(reset.trim())) return Number(reset.trim());
  return undefined;
}

/**
 * The cache outcome a `Cache-Status` value of the gateway stands for (the inverse of `cacheStatusOf`, as far as the
 * warmer needs it): a fresh `hit` only with a positive `ttl` and no `detail`; a `hit` with `ttl` 0 or below is stale.
 */
export function outcomeOfCacheStatus(value: string): ServedOutcome {
  const params = value.split(';').map((part) => part.trim());
  const param = (name: string): string | undefined => params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1);
  const collapsed = params.includes('collapsed');
  const staleIfError = param('detail') === 'stale-if-error';
  const fwd = param('fwd');
  if (params.includes('hit')) {
    const ttl = Number(param('ttl') ?? 0) || 0;
    if (staleIfError) return { kind: 'stale-if-error', staleSeconds: Math.max(0, -ttl), forwarded: false, upstreamStatus: undefined, collapsed };
    if (ttl > 0) return { kind: 'hit', ttlSeconds: ttl, notFound: false };
    return { kind: 'stale', staleSeconds: Math.max(0, -ttl), reason: 'stale-while-revalidate' };
  }
  if (fwd === 'stale' || staleIfError) {
    const status = Number(param('fwd-status'));
    return { kind: 'stale-if-error', staleSeconds: 0, forwarded: true, upstreamStatus: Number.isInteger(status) && status > 0 ? status : undefined, collapsed };
  }
  return { kind: 'fetched', fwd: fwd === 'miss' ? 'miss' : 'request', collapsed, notFound: false };
}

function retryAfterSecondsOf(headers: Headers): number | undefined {
  const value = headers.get('retry-after')?.trim();
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

/**
 * The warmer's `ProfileReader` over a running gateway's HTTP API: `GET /profiles/:source/:id` with the lookup's
 * `Cache-Control` (`no-cache` to refresh, `only-if-cached` for `--only-missing`), answers turned back into what the
 * in-process reader gives (a cache answer, or the domain error of the problem's `code`).
 *
 * The caller key's rate limit is respected: when an answer says the budget is spent (`RateLimit` headers) or the
 * gateway answers 429, `blockedUntil()` tells the worker pool to hold every worker back until the reset, and a
 * lookup that got the 429 waits for it and is sent again (at most `maxRateLimitWaits` times).
 */
type Lookup = Pick<ProfileRequest, 'source' | 'id' | 'by' | 'directives' | 'requestId'>;

export class GatewayProfileReader implements ProfileReader {
  private blockedUntilMs = 0;
  private readonly clock: Clock;
  private readonly fetch: typeof fetch;

  constructor(private readonly options: GatewayProfileReaderOptions) {
    this.clock = options.clock ?? systemClock;
    this.fetch = options.fetch ?? fetch;
  }

  /** Epoch ms until which the caller's budget is spent (in the past when it is not). */
  blockedUntil(): number {
    return this.blockedUntilMs;
  }

  async getProfile(request: ProfileRequest): Promise<CacheAnswer> {
    return this.answerOf(request, await this.sendWithinBudget(request, 'GET'));
  }

  /**
   * `--purge-first`: `DELETE /profiles/:source/:id` (the caller key needs the `purge` action), within the same budget.
   * @throws GatewayAnswerError with the gateway's problem code when it does not answer 204
   */
  async purgeEntry(request: { source: string; id: string; by: unknown; requestId: string }): Promise<void> {
    const lookup = { ...request, directives: {} };
    const response = await this.sendWithinBudget(lookup, 'DELETE');
    if (response.status === 204) return;
    await this.answerOf(request, response);
    throw new GatewayAnswerError('INTERNAL_ERROR', `the gateway answered ${response.status} to a purge`, request.source);
  }

  /** Sends, waiting out the caller key's spent budget (announced or answered 429) up to `maxRateLimitWaits` times. */
  private async sendWithinBudget(request: Lookup, method: 'GET' | 'DELETE'): Promise<Response> {
    const maxWaits = this.options.maxRateLimitWaits ?? DEFAULT_MAX_WAITS;
    for (let waits = 0; ; waits++) {
      const waitMs = this.blockedUntilMs - this.clock.now();
      if (waitMs > 0) await this.clock.sleep(waitMs);
      const response = await this.send(request, method);
      const exhausted = exhaustedForSeconds(response.headers);
      if (exhausted !== undefined) this.blockUntil(this.clock.now() + exhausted * 1_000);
      if (response.status !== 429) return response;
      const retryAfter = retryAfterSecondsOf(response.headers) ?? exhausted ?? 1;
      this.blockUntil(this.clock.now() + retryAfter * 1_000);
      if (waits >= maxWaits) throw new GatewayAnswerError('RATE_LIMITED', `the caller key's rate limit was still spent after ${maxWaits} waits`, request.source);
    }
  }

  private blockUntil(epochMs: number): void {
    const now = this.clock.now();
    const bounded = Math.min(now + (this.options.maxWaitMs ?? DEFAULT_MAX_WAIT_MS), Math.max(now + MIN_WAIT_MS, epochMs));
    if (bounded > this.blockedUntilMs) this.blockedUntilMs = bounded;
  }

  private async send(request: Lookup, method: 'GET' | 'DELETE'): Promise<Response> {
    const by = request.by === 'externalId' ? '?by=externalId' : '';
    const url = `${this.options.baseUrl}/profiles/${encodeURIComponent(request.source)}/${encodeURIComponent(request.id)}${by}`;
    const headers: Record<string, string> = { accept: 'application/json', 'x-request-id': request.requestId };
    if (method === 'GET') headers['cache-control'] = request.directives.onlyIfCached === true ? 'only-if-cached' : 'no-cache';
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    try {
      return await this.fetch(url, { method, headers, signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS) });
    } catch (error) {
      const reason = error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : `unreachable (${causeCode(error)})`;
      throw new GatewayAnswerError('UPSTREAM_ERROR', `the gateway at ${this.options.baseUrl} is ${reason}`, request.source);
    }
  }

  private async answerOf(request: Pick<ProfileRequest, 'source' | 'id'>, response: Response): Promise<CacheAnswer> {
    const text = await response.text();
    let body: unknown;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.status === 200 && typeof body === 'object' && body !== null) {
      const ageSeconds = Number(response.headers.get('age') ?? 0) || 0;
      const maxAgeSeconds = Number(/max-age=(\d+)/.exec(response.headers.get('cache-control') ?? '')?.[1] ?? 0);
      return {
        entry: { body: text, rawJson: 'null', fetchedAtMs: this.clock.now() - ageSeconds * 1_000, etag: response.headers.get('etag') ?? '' },
        outcome: outcomeOfCacheStatus(response.headers.get('cache-status') ?? ''),
        ageSeconds,
        maxAgeSeconds,
      };
    }
    const problem = typeof body === 'object' && body !== null ? (body as { code?: unknown; detail?: unknown }) : {};
    const code = typeof problem.code === 'string' && KNOWN_CODES.has(problem.code) ? (problem.code as ErrorCode) : undefined;
    if (code === 'PROFILE_NOT_FOUND') throw new ProfileNotFoundError(request.source, request.id);
    if (code === 'UPSTREAM_RATE_LIMITED') throw new UpstreamRateLimitedError(request.source, retryAfterSecondsOf(response.headers), 0);
    const detail = typeof problem.detail === 'string' ? problem.detail : `the gateway answered ${response.status}`;
    throw new GatewayAnswerError(code ?? 'INTERNAL_ERROR', detail, request.source);
  }
}

function causeCode(error: unknown): string {
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  return typeof cause?.code === 'string' ? cause.code : 'network error';
}
