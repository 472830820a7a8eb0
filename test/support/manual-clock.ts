import type { CacheClock } from '../../src/cache/clock.js';

interface Timer {
  at: number;
  seq: number;
  wake: () => void;
}

/** Lets pending promise callbacks and `setImmediate` work (e.g. pub/sub deliveries) run. */
export async function flushPending(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i += 1) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Virtual time for the cache: `sleep` registers a timer that fires only when the test moves time forward
 * (`advance`, `advanceTo`) or lets it run to the next timer (`run`). Timers fire in time order, and the work each one
 * wakes runs before the next one fires, so waits, polls and heartbeats cost no real time and never race.
 */
export class ManualClock implements CacheClock {
  /** Every `sleep` asked for, in ms. */
  readonly sleeps: number[] = [];
  private timers: Timer[] = [];
  private seq = 0;

  constructor(private current = 1_700_000_000_000) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    return new Promise<void>((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const timer: Timer = { at: this.current + Math.max(0, ms), seq: this.seq++, wake: resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((t) => t !== timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  /** Timers not fired yet. */
  get pending(): number {
    return this.timers.length;
  }

  /** Moves time forward by `ms`, firing each timer due on the way at its own time. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.current + ms);
  }

  async advanceTo(targetMs: number): Promise<void> {
    for (;;) {
      await flushPending();
      const next = this.nextTimer();
      if (!next || next.at > targetMs) break;
      this.fire(next);
    }
    this.current = Math.max(this.current, targetMs);
    await flushPending();
  }

  /**
   * Lets time run from timer to timer until `work` settles, and answers like it. Fails when nothing is scheduled
   * while `work` is still pending, or after `limitMs` of virtual time.
   */
  async run<T>(work: Promise<T>, limitMs = 600_000): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    const limit = this.current + limitMs;
    for (;;) {
      await flushPending();
      if (settled) return work;
      const next = this.nextTimer();
      if (!next) throw new Error('ManualClock.run: the work is pending and no timer is scheduled');
      if (next.at > limit) throw new Error(`ManualClock.run: still pending after ${limitMs} ms of virtual time`);
      this.fire(next);
    }
  }

  private nextTimer(): Timer | undefined {
    let next: Timer | undefined;
    for (const timer of this.timers) if (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq)) next = timer;
    return next;
  }

  private fire(timer: Timer): void {
    this.timers = this.timers.filter((t) => t !== timer);
    this.current = Math.max(this.current, timer.at);
    timer.wake();
  }
}
