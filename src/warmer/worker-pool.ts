import { type CacheClock, systemClock } from '../cache/clock.js';

/** Time as the pool sees it (the gateway's one clock abstraction); injectable for tests. */
export type Clock = CacheClock;
export { systemClock };

/** A pause extended by less than this is not announced again. */
const ANNOUNCE_STEP_MS = 1_000;

/**
 * Holds every worker of a pool back while a rate limit is spent: until the latest time announced with `pauseUntil`,
 * and until `blockedUntil()` (e.g. the upstream client's own view of the announced limit) when given.
 */
export class PauseGate {
  private until = 0;
  private announced = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly clock: Clock,
    private readonly blockedUntil: () => number = () => 0,
    /** Called when work starts being held back, and again when the pause is extended by a second or more. */
    private readonly onPause: (resumeAtMs: number) => void = () => undefined,
  ) {}

  /** Holds workers back until `resumeAtMs` (a later pause wins over an earlier one). */
  pauseUntil(resumeAtMs: number): void {
    if (resumeAtMs > this.until) this.until = resumeAtMs;
  }

  /** Epoch ms from which work may start again (in the past when not paused). */
  resumeAt(): number {
    return Math.max(this.until, this.blockedUntil());
  }

  /** Resolves true once work may start, or false as soon as `signal` aborts. */
  async wait(signal?: AbortSignal): Promise<boolean> {
    for (;;) {
      if (signal?.aborted) return false;
      const resumeAt = this.resumeAt();
      const waitMs = resumeAt - this.clock.now();
      if (waitMs <= 0) return true;
      // One note per pause: a pause that only moves the end by less than a second is the same pause.
      if (this.announced < this.clock.now() || resumeAt > this.announced + ANNOUNCE_STEP_MS) {
        this.announced = resumeAt;
        this.onPause(resumeAt);
      }
      await this.clock.sleep(waitMs, signal);
    }
  }
}

/** What one attempt at an item came to: finished (whatever the outcome), or try again once the gate opens. */
export type AttemptResult = { done: true } | { done: false; pauseUntilMs: number };

export interface WorkerPoolOptions {
  /** Most attempts in flight at once (at least 1). */
  concurrency: number;
  gate: PauseGate;
  /** Aborting stops the pool from starting items and attempts; attempts in flight may finish for `graceMs`. */
  signal?: AbortSignal;
  /** How long attempts in flight may still run once `signal` aborted (default 10 s). */
  graceMs?: number;
  clock?: Clock;
}

export interface PoolRun {
  /** Items whose last attempt returned `done`. */
  finished: number;
  /** Items never started because the pool was stopped. */
  notStarted: number;
  /** Items started but not finished: stopped while paused, or still running when the grace period ended. */
  unfinished: number;
}

/**
 * Runs `attempt` over `items` with at most `concurrency` attempts at once. Before every attempt (first tries and
 * retries alike) each worker waits at the gate; an attempt that returns `pauseUntilMs` pauses the whole pool
 * until then and its item is tried again by the same worker. The pool never retries on its own: `attempt`
 * decides when an item is done (e.g. after a bounded number of pauses).
 */
export async function runPool<T>(
  items: readonly T[],
  attempt: (item: T, pausesSoFar: number) => Promise<AttemptResult>,
  options: WorkerPoolOptions,
): Promise<PoolRun> {
  const clock = options.clock ?? systemClock;
  const { gate, signal } = options;
  let next = 0;
  let finished = 0;
  let started = 0;

  const work = async (): Promise<void> => {
    while (!signal?.aborted && next < items.length) {
      const item = items[next++] as T;
      started += 1;
      for (let pauses = 0; ; pauses++) {
        if (!(await gate.wait(signal))) return;
        const result = await attempt(item, pauses);
        if (result.done) {
          finished += 1;
          break;
        }
        gate.pauseUntil(result.pauseUntilMs);
      }
    }
  };

  const workers = Array.from({ length: Math.max(1, Math.min(options.concurrency, items.length)) }, () => work());
  const all = Promise.all(workers).then(() => undefined);
  if (signal) {
    // The grace timer itself is cancelled once the race is decided, so it never keeps the process alive.
    const graceOver = new AbortController();
    const onAbort = (): void => void clock.sleep(options.graceMs ?? 10_000, graceOver.signal).then(() => graceOver.abort());
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    const stopped = new Promise<void>((resolve) => graceOver.signal.addEventListener('abort', () => resolve(), { once: true }));
    await Promise.race([all, stopped]);
    graceOver.abort();
    signal.removeEventListener('abort', onAbort);
  } else {
    await all;
  }
  return { finished, notStarted: items.length - started, unfinished: started - finished };
}
