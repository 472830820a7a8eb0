import type { Clock } from '../../src/warmer/worker-pool.js';

/**
 * A clock for tests: `sleep` lets other pending work run, then moves time forward to the sleeper's wake-up time
 * (never backwards), so waits cost no real time and concurrent sleepers wake at the time they asked for.
 */
export class VirtualClock implements Clock {
  /** Every `sleep` asked for, in ms. */
  readonly sleeps: number[] = [];

  constructor(private current = 1_000_000) {}

  now(): number {
    return this.current;
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    this.sleeps.push(ms);
    const wakeAt = this.current + Math.max(0, ms);
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (signal?.aborted) return;
    this.current = Math.max(this.current, wakeAt);
  }

  advance(ms: number): void {
    this.current += ms;
  }
}
