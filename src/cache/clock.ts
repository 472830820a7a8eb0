/**
 * The cache's one clock: every timestamp, wait, poll and heartbeat of the cache goes through it, so a test can run
 * the cache on virtual time.
 */
export interface CacheClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or early (never rejecting) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: CacheClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/**
 * The reason a timer's wait is ended early with. A reason of its own: `abort()` without one builds a `DOMException`
 * with a stack trace, a cost paid on every lookup that waits on an upstream call.
 */
export const WAIT_ENDED: unique symbol = Symbol('wait ended');

/**
 * Settles like `work`, or rejects with `onExpired()` once `clock` reaches `deadlineMs`, whichever comes first. The
 * error is made only when the deadline is reached, never when `work` settled first.
 */
export async function raceDeadline<T>(clock: CacheClock, work: Promise<T>, deadlineMs: number, onExpired: () => Error): Promise<T> {
  const stop = new AbortController();
  const expired = new Promise<never>((_resolve, reject) => {
    void clock.sleep(deadlineMs - clock.now(), stop.signal).then(() => {
      if (!stop.signal.aborted) reject(onExpired());
    });
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    stop.abort(WAIT_ENDED);
  }
}
