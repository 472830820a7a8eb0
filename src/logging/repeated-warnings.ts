export interface WarningLogger {
  warn(obj: object, msg: string): void;
}

/** What makes two warnings "the same": the message, the source and the error code. */
export interface WarningKey {
  source?: string | undefined;
  code?: string | undefined;
}

export interface RepeatedWarningsOptions {
  /** Length of one aggregation window. Default 10 s. */
  windowMs?: number;
  /** Most distinct warnings tracked at once; beyond, warnings are logged as they come. Default 1,000. */
  maxKeys?: number;
  /** Clock (epoch ms). Default `Date.now`. */
  now?: () => number;
  /**
   * Runs `sweep` every window (default: an unref'd `setInterval`); returns the function that stops it. Tests pass
   * their own and call `sweep()` with a virtual clock.
   */
  schedule?: (sweep: () => void, everyMs: number) => () => void;
}

interface Window {
  msg: string;
  key: WarningKey;
  startedAtMs: number;
  /** Warnings of this window that were not logged. */
  suppressed: number;
}

const DEFAULT_WINDOW_MS = 10_000;
const DEFAULT_MAX_KEYS = 1_000;

function defaultSchedule(sweep: () => void, everyMs: number): () => void {
  const timer = setInterval(sweep, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * Aggregates identical warnings (same message, source and code): the first one of a window is logged as it comes,
 * with its details; the others of that window are only counted, and once the window is over one line reports how
 * many there were (`repeated`, `windowMs`). So an upstream outage that fails thousands of background refreshes costs
 * a few lines per source and code, not one per request.
 */
export class RepeatedWarnings {
  private readonly windows = new Map<string, Window>();
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;
  private readonly stop: () => void;

  constructor(
    private readonly logger: WarningLogger,
    options: RepeatedWarningsOptions = {},
  ) {
    this.windowMs = Math.max(1, options.windowMs ?? DEFAULT_WINDOW_MS);
    this.maxKeys = Math.max(1, options.maxKeys ?? DEFAULT_MAX_KEYS);
    this.now = options.now ?? Date.now;
    this.stop = (options.schedule ?? defaultSchedule)(() => this.sweep(), this.windowMs);
  }

  /** Logs `msg` with `details` (and the key's source and code), unless the same warning was logged in this window. */
  warn(msg: string, key: WarningKey, details: object = {}): void {
    const id = `${msg}\u0000${key.source ?? ''}\u0000${key.code ?? ''}`;
    const now = this.now();
    const window = this.windows.get(id);
    if (window && now - window.startedAtMs < this.windowMs) {
      window.suppressed += 1;
      return;
    }
    if (window) this.report(window);
    if (window || this.windows.size < this.maxKeys) this.windows.set(id, { msg, key, startedAtMs: now, suppressed: 0 });
    this.logger.warn({ ...details, ...this.fields(key) }, msg);
  }

  /** Reports and forgets the windows that are over. */
  sweep(): void {
    const now = this.now();
    for (const [id, window] of this.windows) {
      if (now - window.startedAtMs < this.windowMs) continue;
      this.report(window);
      this.windows.delete(id);
    }
  }

  /** Reports every count still open and stops the timer. */
  close(): void {
    this.stop();
    for (const window of this.windows.values()) this.report(window);
    this.windows.clear();
  }

  private report(window: Window): void {
    if (window.suppressed === 0) return;
    const seconds = Math.round(this.windowMs / 1000);
    this.logger.warn(
      { ...this.fields(window.key), repeated: window.suppressed, windowMs: this.windowMs },
      `${window.msg} (${window.suppressed} more like it in ${seconds} s)`,
    );
    window.suppressed = 0;
  }

  private fields(key: WarningKey): WarningKey {
    return { ...(key.source !== undefined && { source: key.source }), ...(key.code !== undefined && { code: key.code }) };
  }
}

const byLogger = new WeakMap<WarningLogger, RepeatedWarnings>();

/** The aggregator of one logger (created on first use), so a call site stays one line. */
export function repeatedWarnings(logger: WarningLogger): RepeatedWarnings {
  let aggregator = byLogger.get(logger);
  if (!aggregator) {
    aggregator = new RepeatedWarnings(logger);
    byLogger.set(logger, aggregator);
  }
  return aggregator;
}

/** The stable code of an error (`DomainError.code`, a Node/axios `code`), or its name. */
export function warningCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : undefined;
}
