/** One upstream call in this process for a key, shared by every request that waits on it. */
export interface Flight<T> {
  readonly promise: Promise<T>;
  /** A newer call for the same key started (a `no-cache` request): this one's result is not stored. */
  superseded: boolean;
}

/**
 * Single-flight within the process: at most one current call per key. Starting a call for a key that has one
 * supersedes the older call, which still settles for those waiting on it.
 */
export class SingleFlight<T> {
  private readonly flights = new Map<string, Flight<T>>();

  /** The key's current call, if any. */
  current(key: string): Flight<T> | undefined {
    return this.flights.get(key);
  }

  /** Starts `run` as the key's current call; it is forgotten once it settles (unless superseded before). */
  start(key: string, run: (flight: { readonly superseded: boolean }) => Promise<T>): Flight<T> {
    const previous = this.flights.get(key);
    if (previous) previous.superseded = true;
    const control = { superseded: false };
    const promise = run(control).finally(() => {
      if (this.flights.get(key) === flight) this.flights.delete(key);
    });
    // Waiters see the rejection; this only keeps a call nobody waits on from being an unhandled rejection.
    promise.catch(() => undefined);
    const flight: Flight<T> = Object.assign(control, { promise });
    this.flights.set(key, flight);
    return flight;
  }
}
