/**
 * The total time budget of one upstream lookup. Its `signal` fires when the budget is spent; `race` makes any work
 * answer by then at the latest.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly startedAt: number;
  private readonly timer: NodeJS.Timeout;

  constructor(
    readonly budgetMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.timer = setTimeout(() => this.controller.abort(), budgetMs);
  }

  /** Aborted when the budget is spent. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Milliseconds left of the budget (0 once the signal fired). */
  remainingMs(): number {
    if (this.controller.signal.aborted) return 0;
    return Math.max(0, this.budgetMs - (this.now() - this.startedAt));
  }

  /**
   * Settles like `work`, or rejects with `onExpired()` as soon as the signal fires. A rejection of `work` that
   * comes after the deadline is handled, never left unhandled.
   */
  race<T>(work: Promise<T>, onExpired: () => Error): Promise<T> {
    work.catch(() => undefined);
    if (this.signal.aborted) return Promise.reject(onExpired());
    let onAbort = (): void => undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      onAbort = () => reject(onExpired());
      this.signal.addEventListener('abort', onAbort, { once: true });
    });
    return Promise.race([work, expired]).finally(() => this.signal.removeEventListener('abort', onAbort));
  }

  /** Stops the budget timer. */
  dispose(): void {
    clearTimeout(this.timer);
  }
}
