import { parseRetryAfter } from '../sources/shared/upstream-response.js';

type Headers = Record<string, string | undefined>;

/**
 * Values of `X-RateLimit-Reset` below this are read as seconds from now, larger ones as Unix epoch seconds.
 * Vemetric sends absolute epoch seconds; other APIs (e.g. Usertour v2) send a relative delay.
 */
const EPOCH_SECONDS_THRESHOLD = 1e9;

/** `X-RateLimit-Reset` as an epoch in milliseconds (absolute epoch seconds, or relative seconds when small). */
export function parseRateLimitReset(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^\d+(\.\d+)?$/.test(trimmed)) return undefined;
  const seconds = Number(trimmed);
  return seconds < EPOCH_SECONDS_THRESHOLD ? nowMs + seconds * 1000 : seconds * 1000;
}

/** `X-RateLimit-Remaining` as a count, when usable. */
export function parseRateLimitRemaining(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  return Number(value);
}

/**
 * How long the upstream asked us to wait before calling again, in milliseconds, or undefined when it did not say:
 * `Retry-After` on any answer, and for a 429 (or an answer announcing that no requests remain) the time until
 * `X-RateLimit-Reset`. The longer of the two wins.
 */
export function announcedWaitMs(status: number, headers: Headers, nowMs: number): number | undefined {
  const retryAfterSeconds = parseRetryAfter(headers['retry-after'], nowMs);
  const waits: number[] = [];
  if (retryAfterSeconds !== undefined) waits.push(retryAfterSeconds * 1000);
  const remaining = parseRateLimitRemaining(headers['x-ratelimit-remaining']);
  if (status === 429 || remaining === 0) {
    const reset = parseRateLimitReset(headers['x-ratelimit-reset'], nowMs);
    if (reset !== undefined) waits.push(Math.max(0, reset - nowMs));
  }
  return waits.length === 0 ? undefined : Math.max(...waits);
}

/**
 * The upstream's announced request budget for one source. Once it is spent (a 429 that says how long to wait, or
 * `X-RateLimit-Remaining: 0` with a reset in the future) the gate stays shut until then, so no call is made that
 * the upstream would refuse anyway. A wait is never trusted beyond `maxWaitMs`, in case of clock skew or a bogus header.
 */
export class RateLimitGate {
  private until = 0;

  constructor(private readonly maxWaitMs: number) {}

  /** Reads one answer's rate-limit headers. */
  observe(status: number, headers: Headers, nowMs: number): void {
    const remaining = parseRateLimitRemaining(headers['x-ratelimit-remaining']);
    if (status !== 429 && remaining !== 0) return;
    const wait = announcedWaitMs(status, headers, nowMs);
    if (wait === undefined || wait <= 0) return;
    this.until = Math.max(this.until, nowMs + Math.min(wait, this.maxWaitMs));
  }

  /** Milliseconds until the upstream accepts calls again (0 when it does now). */
  waitMs(nowMs: number): number {
    return Math.max(0, this.until - nowMs);
  }

  /** Epoch milliseconds until which the announced budget is spent, or 0 when it is not. */
  blockedUntil(nowMs: number): number {
    return this.until > nowMs ? this.until : 0;
  }
}
