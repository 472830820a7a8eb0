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

/** Settles like `work`, or rejects with `onExpired()` once `clock` reaches `deadlineMs`, whichever comes first. */
export async function raceDeadline<T>(clock: CacheClock, work: Promise<T>, deadlineMs: number, onExpired: () => Error): Promise<T> {
  const stop = new AbortController();
  const expired = clock.sleep(deadlineMs - clock.now(), stop.signal).then((): never => {
    throw onExpired();
  });
  // Once `work` settled first, the aborted sleep resolves and this rejection is nobody's concern.
  expired.catch(() => undefined);
  try {
    return await Promise.race([work, expired]);
  } finally {
    stop.abort();
  }
}
