/**
 * Domain errors. They carry a stable code and know nothing about HTTP: `common/problem.filter.ts`
 * maps each code to a status in one place.
 */
export const ERROR_CODES = [
  'VALIDATION_ERROR',
  'LOOKUP_NOT_SUPPORTED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'SOURCE_NOT_FOUND',
  'PROFILE_NOT_FOUND',
  'RATE_LIMITED',
  'INTERNAL_ERROR',
  'UPSTREAM_AUTH_FAILED',
  'UPSTREAM_BAD_RESPONSE',
  'UPSTREAM_ERROR',
  'UPSTREAM_RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'NOT_CACHED',
  'BAD_REQUEST',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'LOOKUP_AMBIGUOUS',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'HEADERS_TOO_LARGE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldProblem {
  field: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: ErrorCode;
  /** Source name when a source is involved. */
  readonly source: string | undefined;
  /** Seconds the caller should wait before retrying (`Retry-After`), when known. */
  retryAfterSeconds: number | undefined;

  protected constructor(message: string, source?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.source = source;
  }
}

export class ValidationError extends DomainError {
  readonly code = 'VALIDATION_ERROR';
  constructor(
    message: string,
    readonly errors: FieldProblem[],
    source?: string,
  ) {
    super(message, source);
  }
}

export class LookupNotSupportedError extends DomainError {
  readonly code = 'LOOKUP_NOT_SUPPORTED';
  constructor(source: string, kind: string, by: string) {
    super(`Source ${source} (kind ${kind}) does not support by=${by}`, source);
  }
}

export class UnauthorizedError extends DomainError {
  readonly code = 'UNAUTHORIZED';
  /**
   * @param invalidToken a key was presented but is not valid (RFC 6750 `error="invalid_token"`), as opposed to no
   *   usable credentials at all
   */
  constructor(
    message = 'A valid gateway API key is required',
    readonly invalidToken = false,
  ) {
    super(message);
  }
}

export class ForbiddenError extends DomainError {
  readonly code = 'FORBIDDEN';
  constructor(source: string) {
    super(`This API key may not read source ${source}`, source);
  }
}

export class SourceNotFoundError extends DomainError {
  readonly code = 'SOURCE_NOT_FOUND';
  constructor(source: string) {
    super(`No configured source named ${source}`);
  }
}

export class ProfileNotFoundError extends DomainError {
  readonly code = 'PROFILE_NOT_FOUND';
  constructor(source: string, id: string) {
    super(`No profile ${id} in source ${source}`, source);
  }
}

/** A `by=externalId` lookup matched more than one upstream user. */
export class LookupAmbiguousError extends DomainError {
  readonly code = 'LOOKUP_AMBIGUOUS';
  constructor(source: string, id: string) {
    super(`More than one profile in source ${source} has externalId ${JSON.stringify(id)}`, source);
  }
}

export class RateLimitedError extends DomainError {
  readonly code = 'RATE_LIMITED';
  constructor(retryAfterSeconds: number) {
    super(`Rate limit exceeded for this API key; retry in ${retryAfterSeconds} s`);
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class NotCachedError extends DomainError {
  readonly code = 'NOT_CACHED';
  constructor(source: string, id: string) {
    super(`No usable cached profile ${id} in source ${source} (only-if-cached)`, source);
  }
}

/**
 * Base of every failure that comes from talking to an upstream. `upstreamStatus` is the HTTP status the
 * upstream answered (0 for a timeout or a network failure); it feeds the cache's `fwd-status`.
 */
export abstract class UpstreamError extends DomainError {
  constructor(
    message: string,
    source: string,
    readonly upstreamStatus: number,
    options?: { cause?: unknown },
  ) {
    super(message, source, options);
  }

  /**
   * Whether a call reached the upstream for this failure; false when the gateway refused to call (open circuit, the
   * upstream's announced budget spent, a full queue). It tells RFC 9211's `fwd=stale` from a stale `hit`.
   */
  get reachedUpstream(): boolean {
    return true;
  }
}

export class UpstreamAuthFailedError extends UpstreamError {
  readonly code = 'UPSTREAM_AUTH_FAILED';
  constructor(source: string, upstreamStatus: number) {
    super(`Upstream of source ${source} rejected the gateway's credentials (${upstreamStatus})`, source, upstreamStatus);
  }
}

export class UpstreamBadResponseError extends UpstreamError {
  readonly code = 'UPSTREAM_BAD_RESPONSE';
  constructor(source: string, reason: string, upstreamStatus: number, options?: { cause?: unknown }) {
    super(`Upstream of source ${source} sent an unusable response: ${reason}`, source, upstreamStatus, options);
  }
}

export class UpstreamFailureError extends UpstreamError {
  readonly code = 'UPSTREAM_ERROR';
  constructor(source: string, reason: string, upstreamStatus: number, options?: { cause?: unknown }) {
    super(`Upstream of source ${source} failed: ${reason}`, source, upstreamStatus, options);
  }
}

export class UpstreamRateLimitedError extends UpstreamError {
  readonly code = 'UPSTREAM_RATE_LIMITED';
  constructor(source: string, retryAfterSeconds: number | undefined, upstreamStatus = 429) {
    super(`Upstream of source ${source} is rate limiting the gateway`, source, upstreamStatus);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** Status 0: refused before any call, as the upstream's announced budget is spent. */
  override get reachedUpstream(): boolean {
    return this.upstreamStatus !== 0;
  }
}

export class UpstreamUnavailableError extends UpstreamError {
  readonly code = 'UPSTREAM_UNAVAILABLE';
  constructor(source: string, retryAfterSeconds: number) {
    super(`Upstream of source ${source} is unavailable (circuit open)`, source, 0);
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** An open circuit (or, in `UpstreamSaturatedError`, a full queue) makes no call. */
  override get reachedUpstream(): boolean {
    return false;
  }
}

export class UpstreamTimeoutError extends UpstreamError {
  readonly code = 'UPSTREAM_TIMEOUT';
  constructor(source: string, budgetMs: number) {
    super(`Upstream of source ${source} did not answer within ${budgetMs} ms`, source, 0);
  }
}

/** The upstream rejected the id as malformed (its own 400): the caller's input, so a 400. */
export class UpstreamRejectedIdError extends ValidationError {
  constructor(source: string, id: string) {
    super(`Source ${source} rejected id ${JSON.stringify(id)} as malformed`, [{ field: 'id', message: 'rejected by the upstream as malformed' }], source);
  }
}
