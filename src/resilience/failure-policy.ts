import {
  ProfileNotFoundError,
  UpstreamAuthFailedError,
  UpstreamFailureError,
  UpstreamRateLimitedError,
  UpstreamRejectedIdError,
  UpstreamTimeoutError,
} from '../profiles/profile.errors.js';

/** Upstream statuses worth another attempt (contract: 429, 502, 503, 504; a 500 is not retried). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/**
 * Whether one failed attempt may be retried: a network failure (status 0), a retryable status, or an attempt that
 * ran into one of its own bounds (connect, headers, body) while the lookup's budget still has time left.
 */
export function isRetryableAttemptFailure(error: unknown, budgetSpent: boolean): boolean {
  if (error instanceof UpstreamTimeoutError) return !budgetSpent;
  if (error instanceof UpstreamRateLimitedError) return error.upstreamStatus === 429;
  if (error instanceof UpstreamFailureError) return error.upstreamStatus === 0 || RETRYABLE_STATUSES.has(error.upstreamStatus);
  return false;
}

/**
 * Whether a failed lookup counts against the source's circuit breaker: the upstream is down, slow or refusing us
 * (5xx, timeouts, network errors, 429 after retries). A refusal by our own rate-limit gate (no upstream answer) does
 * not count, and neither do answers about one user.
 */
export function isCircuitFailure(error: unknown): boolean {
  if (error instanceof UpstreamTimeoutError) return true;
  if (error instanceof UpstreamRateLimitedError) return error.upstreamStatus === 429;
  if (error instanceof UpstreamFailureError) return error.upstreamStatus === 0 || error.upstreamStatus >= 500;
  return false;
}

/**
 * Whether an error is the upstream answering (404, 400, 401/403, an unexpected 3xx/4xx): proof that it is up,
 * so the circuit breaker records a success.
 */
export function isUpstreamAnswer(error: unknown): boolean {
  if (error instanceof ProfileNotFoundError || error instanceof UpstreamRejectedIdError || error instanceof UpstreamAuthFailedError) return true;
  if (error instanceof UpstreamFailureError) return error.upstreamStatus >= 300 && error.upstreamStatus < 500;
  return false;
}
