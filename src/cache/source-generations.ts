/** The longest an instance uses a source's generation without reading it from Redis again. */
export const GENERATION_RECHECK_MS = 1_000;

export interface SourceGenerationsOptions {
  now: () => number;
  /** Reads a source's generation from Redis; undefined when Redis could not answer. Absent without Redis. */
  read?: (source: string) => Promise<number | undefined>;
  recheckMs?: number;
}

interface Known {
  generation: number;
  checkedAtMs: number;
}

/**
 * This instance's view of each source's purge generation (the `g<n>` of its keys). With Redis, a generation is used
 * for at most `recheckMs` before it is read again on the next lookup of that source, so a purge announcement lost on
 * the way cannot keep old entries in use for longer; announcements (`learn`) usually bring it within milliseconds.
 * A generation only ever goes up. Without Redis, the instance's own purges are the only source of change.
 */
export class SourceGenerations {
  private readonly known = new Map<string, Known>();
  private readonly reading = new Map<string, Promise<number | undefined>>();
  private readonly recheckMs: number;

  constructor(private readonly options: SourceGenerationsOptions) {
    this.recheckMs = options.recheckMs ?? GENERATION_RECHECK_MS;
  }

  /**
   * The generation to build the source's keys with; undefined when Redis is configured and has never answered for
   * this source (its entries in Redis must not be read or written then: an older generation's could be served).
   * Concurrent lookups of a source share one read.
   */
  current(source: string): number | undefined | Promise<number | undefined> {
    const known = this.known.get(source);
    const read = this.options.read;
    if (!read) return known?.generation ?? 0;
    if (known && this.options.now() - known.checkedAtMs < this.recheckMs) return known.generation;
    const pending = this.reading.get(source);
    if (pending) return pending;
    const reading = read(source)
      .then((generation) => {
        if (generation !== undefined) return this.learn(source, generation);
        const stale = this.known.get(source);
        // Redis did not answer: keep what is known, and ask again after `recheckMs`, not on every lookup.
        if (stale) stale.checkedAtMs = this.options.now();
        return stale?.generation;
      })
      .finally(() => this.reading.delete(source));
    this.reading.set(source, reading);
    return reading;
  }

  /** A generation read or announced: kept when it is not older than the known one. Returns the one in use. */
  learn(source: string, generation: number): number {
    const known = this.known.get(source);
    const next = Math.max(generation, known?.generation ?? 0);
    this.known.set(source, { generation: next, checkedAtMs: this.options.now() });
    return next;
  }

  /** Without Redis: the next generation of the source, in this instance only. */
  bumpLocal(source: string): number {
    return this.learn(source, (this.known.get(source)?.generation ?? 0) + 1);
  }
}
