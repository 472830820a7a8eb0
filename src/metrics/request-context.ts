import type { ServedOutcome } from '../cache/cache-outcome.js';

/**
 * What the gateway learns about one request while answering it, for the one-line request log and the request
 * metrics. Never holds a key, a token or a header value.
 */
export interface RequestFacts {
  /** The `:source` of the URL, as received. */
  source?: string;
  /** Name of the caller's API key (never the key). */
  keyName?: string;
  /** HTTP status of the last upstream attempt made for this request (0 = timeout or network failure). */
  upstreamStatus?: number;
  /** Upstream attempts made for this request (requests that waited on another one's call make none). */
  upstreamAttempts: number;
  /** What the cache did, for an answer with caching headers (a profile or a cached 404). */
  cacheOutcome?: ServedOutcome;
  /** Its `Cache-Status` header value, as sent (and logged). */
  cacheStatus?: string;
  /** The problem `code` of an error answer. */
  problemCode?: string;
  /** `POST /profiles/batch`: how many lookups it had and how many ended with each status. */
  batch?: { size: number; statuses: Record<string, number> };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the gateway's `onRequest` hook for every routed request (null before it, e.g. for a malformed URL). */
    facts: RequestFacts | null;
  }
}

/**
 * Records an upstream attempt on the facts of the request that made it (the log line's `upstreamStatus`). The facts
 * travel with the lookup (`FetchContext.onAttempt`), not in an async context, so a request runs no
 * AsyncLocalStorage scope. Requests that waited on another one's call record none.
 */
export function recordUpstreamAttempt(facts: RequestFacts | null | undefined, status: number): void {
  if (!facts) return;
  facts.upstreamStatus = status;
  facts.upstreamAttempts++;
}
