import type { JsonValue } from '../../profiles/profile.model.js';
import type { FetchContext } from '../../profiles/profile-source.port.js';

// The transport contract between the adapters, the resilience layer and the HTTP implementation: types, and the
// encoding of a request's path and query. Implementation: axios-upstream-transport.ts; wiring: ../upstream-http.factory.ts.

export interface UpstreamRequest {
  /** Path below the source's base URL, starting with `/`; every dynamic segment already encoded. */
  path: string;
  /** Query pairs, encoded here (repeated keys allowed, e.g. `expand[]`). */
  query?: ReadonlyArray<readonly [string, string]>;
  /** The path's template without ids (`/v2/users/{id}`), for tracing (`url.template`); never holds an id. */
  template?: string;
  /** `Accept` header; default `application/json`. */
  accept?: string;
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

/** How one attempt is made: the lookup's signal and budget, the caller's request id, the attempt's own bounds. */
export interface UpstreamAttempt {
  /** Fires when the lookup's total budget is spent. */
  signal: AbortSignal;
  /** The lookup's total budget, for the timeout error. */
  budgetMs: number;
  /** Sent as `X-Request-Id`, so the upstream's logs can be matched with the gateway's. */
  requestId: string;
  limits?: AttemptLimits;
}

/** One HTTP attempt against the upstream (see `AxiosUpstreamTransport`). */
export interface UpstreamTransport {
  get(request: UpstreamRequest, attempt: UpstreamAttempt): Promise<RawUpstreamResponse>;
  destroy(): void;
}

/** What the gateway wants to know about upstream calls (metrics, logs). All optional. */
export interface UpstreamObserver {
  /** One HTTP attempt finished: status (0 = network/timeout) and duration. */
  onAttempt?(source: string, status: number, durationMs: number): void;
  /** The source's circuit changed state. */
  onCircuitState?(source: string, state: 'closed' | 'open' | 'half-open'): void;
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
