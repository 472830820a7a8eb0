/** Why a deadline's signal fired. */
export type DeadlineReason = 'budget' | 'caller';

/**
 * The total time budget of one upstream lookup. Its `signal` fires when the budget is spent or when the caller's
 * own signal fires, whichever comes first; `race` makes any work answer by then at the latest.
 */
export class Deadline {
  private readonly controller = new AbortController();
  private readonly startedAt: number;
  private readonly timer: NodeJS.Timeout;
  private firedBecause: DeadlineReason | undefined;
  private readonly onParentAbort = (): void => this.fire('caller');

  constructor(
    readonly budgetMs: number,
    private readonly parent?: AbortSignal,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.startedAt = now();
    this.timer = setTimeout(() => this.fire('budget'), budgetMs);
    if (parent?.aborted) this.fire('caller');
    else parent?.addEventListener('abort', this.onParentAbort, { once: true });
  }

  /** Aborted when the budget is spent or the caller is gone. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the signal fired; undefined while it has not. */
  get reason(): DeadlineReason | undefined {
    return this.firedBecause;
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

  /** Stops the budget timer and lets go of the caller's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    this.parent?.removeEventListener('abort', this.onParentAbort);
  }

  private fire(reason: DeadlineReason): void {
    if (this.controller.signal.aborted) return;
    this.firedBecause = reason;
    clearTimeout(this.timer);
    this.controller.abort();
  }
}
