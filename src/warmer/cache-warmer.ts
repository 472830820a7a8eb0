import { randomUUID } from 'node:crypto';

import type { ProfileRequest } from '../api/profiles.service.js';
import type { EntryPurgeRequest } from '../api/purge.service.js';
import type { CacheAnswer, CacheDirectives } from '../cache/index.js';
import { DomainError, ProfileNotFoundError, UpstreamRateLimitedError } from '../profiles/profile.errors.js';
import type { LookupBy } from '../profiles/profile-source.port.js';
import type { IdOutcome } from './warm-summary.js';
import { WarmTally } from './warm-summary.js';
import { type AttemptResult, type Clock, PauseGate, type PoolRun, runPool, systemClock } from './worker-pool.js';

/** The part of `ProfilesService` the warmer uses. */
export interface ProfileReader {
  getProfile(request: ProfileRequest): Promise<CacheAnswer>;
}

/** The part of `PurgeService` the warmer uses (`--purge-first`). */
interface EntryPurger {
  purgeEntry(request: EntryPurgeRequest): Promise<unknown>;
}

export interface CacheWarmerOptions {
  source: string;
  profiles: ProfileReader;
  /** What the ids are (default `id`: upstream ids). */
  by?: LookupBy;
  /** Purges each id's entry before refilling it (`--purge-first`). */
  purger?: EntryPurger;
  /** Ids refreshed at once (already capped at the source's `maxConcurrency`). */
  concurrency: number;
  /** Skip ids whose cached copy is fresh. */
  onlyMissing: boolean;
  /** The source client's view of the upstream's announced rate limit: epoch ms until which it is spent (0 when not). */
  rateLimitedUntil?: () => number;
  /** Pauses for the upstream's rate limit one id may go through before it counts as failed (default 5). */
  maxRateLimitWaits?: number;
  /** Longest single pause, whatever the upstream announces (default 5 min). */
  maxPauseMs?: number;
  /** Stops the run: no new ids; ids in flight may finish within `graceMs`. */
  signal?: AbortSignal;
  /** How long ids in flight may finish after `signal` aborted (default 10 s). */
  graceMs?: number;
  clock?: Clock;
  /** After each id's outcome. */
  onOutcome?: (id: string, outcome: IdOutcome, tally: WarmTally) => void;
  /** When the pool starts waiting for the upstream's rate limit to reset. */
  onPause?: (resumeAtMs: number) => void;
}

export interface WarmRun {
  tally: WarmTally;
  pool: PoolRun;
}

export const DEFAULT_MAX_RATE_LIMIT_WAITS = 5;
const DEFAULT_MAX_PAUSE_MS = 5 * 60_000;
/** Shortest pause, so a `Retry-After: 0` does not turn into a busy loop. */
const MIN_PAUSE_MS = 250;
/** Backoff when the upstream says it is rate limiting but not until when: 1 s, 2 s, 4 s, … up to 30 s. */
const BACKOFF_BASE_MS = 1_000;
const BACKOFF_MAX_MS = 30_000;

/** A fresh copy answered from the cache (a stale one, even without a call, is not). */
export function isFreshHit(answer: CacheAnswer): boolean {
  return answer.outcome.kind === 'hit';
}

/**
 * When to try again after the upstream answered "rate limited": the reset the source's client saw announced when it
 * knows one (exact, and already the later of `Retry-After` and `X-RateLimit-Reset`), else `Retry-After` (whole
 * seconds), else an exponential backoff on the number of pauses so far. Kept between `MIN_PAUSE_MS` and `maxPauseMs`
 * from now.
 */
export function rateLimitResumeAt(retryAfterSeconds: number | undefined, announcedUntilMs: number, pausesSoFar: number, nowMs: number, maxPauseMs: number): number {
  let resumeAt: number;
  if (announcedUntilMs > nowMs) resumeAt = announcedUntilMs;
  else if (retryAfterSeconds !== undefined) resumeAt = nowMs + retryAfterSeconds * 1_000;
  else resumeAt = nowMs + Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** pausesSoFar);
  return Math.min(nowMs + maxPauseMs, Math.max(nowMs + MIN_PAUSE_MS, resumeAt));
}

function failed(error: unknown): IdOutcome {
  if (error instanceof DomainError) return { kind: 'failed', code: error.code, message: error.message };
  return { kind: 'failed', code: 'INTERNAL_ERROR', message: error instanceof Error ? error.message : String(error) };
}

/**
 * Refreshes ids of one source into the cache through the gateway's own lookup path (`ProfilesService`): the same
 * id rules, cache keys, coalescing and upstream client as a `Cache-Control: no-cache` request. The upstream's rate
 * limit pauses the whole pool until it resets, and the id is tried again (at most `maxRateLimitWaits` times).
 */
export async function warmIds(ids: readonly string[], options: CacheWarmerOptions, tally = new WarmTally(ids.length)): Promise<WarmRun> {
  const clock = options.clock ?? systemClock;
  const maxWaits = options.maxRateLimitWaits ?? DEFAULT_MAX_RATE_LIMIT_WAITS;
  const maxPauseMs = options.maxPauseMs ?? DEFAULT_MAX_PAUSE_MS;
  const announcedUntil = options.rateLimitedUntil ?? (() => 0);
  const gate = new PauseGate(clock, announcedUntil, options.onPause);

  const settle = (id: string, outcome: IdOutcome): AttemptResult => {
    tally.record(id, outcome);
    options.onOutcome?.(id, outcome, tally);
    return { done: true };
  };

  const attempt = async (id: string, pausesSoFar: number): Promise<AttemptResult> => {
    const request = (directives: CacheDirectives): ProfileRequest => ({
      source: options.source,
      id,
      by: options.by ?? 'id',
      directives,
      requestId: `warm-${randomUUID()}`,
    });
    try {
      if (options.purger && pausesSoFar === 0) {
        await options.purger.purgeEntry({ source: options.source, id, by: options.by ?? 'id', keyName: undefined, requestId: `warm-${randomUUID()}` });
      }
      if (options.onlyMissing && (await isFresh(options.profiles, request({ onlyIfCached: true })))) return settle(id, { kind: 'skipped' });
      await options.profiles.getProfile(request({ noCache: true }));
      return settle(id, { kind: 'refreshed' });
    } catch (error) {
      if (error instanceof ProfileNotFoundError) return settle(id, { kind: 'not-found' });
      if (error instanceof UpstreamRateLimitedError && pausesSoFar < maxWaits) {
        return { done: false, pauseUntilMs: rateLimitResumeAt(error.retryAfterSeconds, announcedUntil(), pausesSoFar, clock.now(), maxPauseMs) };
      }
      return settle(id, failed(error));
    }
  };

  const pool = await runPool(ids, attempt, {
    concurrency: options.concurrency,
    gate,
    clock,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.graceMs !== undefined ? { graceMs: options.graceMs } : {}),
  });
  return { tally, pool };
}

/**
 * Whether the cache holds a fresh copy (`only-if-cached`, never calls the upstream). A cached 404, a stale copy or
 * nothing cached are not fresh; an id the kind rejects throws its `ValidationError`.
 */
async function isFresh(profiles: ProfileReader, request: ProfileRequest): Promise<boolean> {
  try {
    return isFreshHit(await profiles.getProfile(request));
  } catch (error) {
    if (error instanceof DomainError && (error.code === 'NOT_CACHED' || error.code === 'PROFILE_NOT_FOUND')) return false;
    throw error;
  }
}
