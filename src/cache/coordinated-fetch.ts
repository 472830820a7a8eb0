import { ProfileNotFoundError, UpstreamTimeoutError } from '../profiles/profile.errors.js';
import { profileEntry, type StoredEntry, type StoredProfile } from './cache-entry.js';
import { type CacheLookup, type CacheTracer, DEFAULT_BUDGET_MS } from './cache-types.js';
import type { CacheClock } from './clock.js';
import type { EntryStore, LookupKeys } from './entry-store.js';
import type { FleetLease, HeldLease, WaitEnd } from './fleet-lease.js';
import type { Flight } from './single-flight.js';

/**
 * How a call relates to the other instances:
 * - `lease`: take the key's lease, or wait for the entry of the instance holding it (only an entry fetched after
 *   `afterMs` counts: a copy older than the one this request found is no answer);
 * - `announce`: call at once (`no-cache`), holding the lease if it is free so others wait on this call;
 * - `alone`: Redis just failed to answer: per-instance coalescing only.
 */
export type Coordination = { readonly mode: 'lease'; readonly afterMs: number } | { readonly mode: 'announce' } | { readonly mode: 'alone' };

/** The outcome of one upstream call, shared by every request of this process that waits on it. */
export interface FlightResult {
  entry: StoredEntry;
  /** The entry was stored by another instance's call, which this one waited for. */
  collapsed: boolean;
  /** False when the call was superseded (a purge, or a newer call) before it ended: its answer was not stored. */
  stored: boolean;
}

export interface CoordinatedFetchOptions {
  store: EntryStore;
  lease: FleetLease;
  clock: CacheClock;
  /** Once the cache is closed, results are not stored any more. */
  isClosed: () => boolean;
  /** Spans each wait on another instance's call; absent, nothing is traced. */
  tracer?: CacheTracer;
}

/** The budget a lookup names, or the default one. */
export function budgetOf(lookup: CacheLookup): number {
  const budgetMs = lookup.budgetMs ?? DEFAULT_BUDGET_MS;
  return Number.isFinite(budgetMs) && budgetMs > 0 ? budgetMs : DEFAULT_BUDGET_MS;
}

/**
 * One upstream call for the whole fleet, within the lookup's deadline: the instance that takes the key's lease calls
 * the upstream with what is left of the budget, stores, announces and releases; the others wait for the stored entry
 * and take over when the lease ends without one (the holder failed or died). Without a usable Redis, the call is this
 * instance's alone.
 */
export class CoordinatedFetch {
  constructor(private readonly options: CoordinatedFetchOptions) {}

  async run(keys: LookupKeys, lookup: CacheLookup, flight: { readonly superseded: boolean }, coordination: Coordination, deadlineMs: number): Promise<FlightResult> {
    const { store, lease } = this.options;
    const shared = store.shared;
    const noLease = Promise.resolve(undefined);
    const { key, leaseKey } = keys;
    if (!shared || !keys.shared || coordination.mode === 'alone') return this.ownCall(keys, lookup, flight, noLease, deadlineMs);
    if (coordination.mode === 'announce') {
      const held = lease.claim(shared, leaseKey).then((claim) => (claim.kind === 'acquired' ? claim.lease : undefined));
      return this.ownCall(keys, lookup, flight, held, deadlineMs);
    }
    const readNewer = (): Promise<{ entry?: StoredEntry; failed: boolean }> => store.readShared(key, lookup.policy, coordination.afterMs);
    for (;;) {
      // The previous holder may have stored its entry and released between this request's read and the lease: the
      // entry is read again together with the claim, in the same round trip (both are sent before either answers, and
      // one connection answers in order), not after it.
      const [claim, stored] = await Promise.all([lease.claim(shared, leaseKey), readNewer()]);
      if (claim.kind === 'failed') return this.ownCall(keys, lookup, flight, noLease, deadlineMs);
      if (stored.entry) {
        if (claim.kind === 'acquired') void store.track(claim.lease.release());
        return { entry: stored.entry, collapsed: true, stored: true };
      }
      if (claim.kind === 'acquired') return this.ownCall(keys, lookup, flight, Promise.resolve(claim.lease), deadlineMs);
      const wait = (): Promise<WaitEnd> => lease.waitForHolder(shared, key, leaseKey, deadlineMs, readNewer);
      const end = await (this.options.tracer ? this.options.tracer.leaseWait(wait) : wait());
      if (end.kind === 'entry') return { entry: end.entry, collapsed: true, stored: true };
      if (end.kind === 'deadline') throw new UpstreamTimeoutError(lookup.key.source, budgetOf(lookup));
      if (end.kind !== 'free') return this.ownCall(keys, lookup, flight, noLease, deadlineMs);
      // The lease ended without an entry: take it over (or wait on whoever took it first).
    }
  }

  /**
   * Calls the upstream with what is left of the budget, stores the result (unless superseded or closed) and then
   * releases `lease`, which may still be being taken: the call does not wait for it.
   */
  private async ownCall(
    keys: LookupKeys,
    lookup: CacheLookup,
    flight: { readonly superseded: boolean },
    lease: Promise<HeldLease | undefined>,
    deadlineMs: number,
  ): Promise<FlightResult> {
    const { store, clock } = this.options;
    let entry: StoredEntry;
    // A purge tombstone written after this moment refuses the entry this call brings.
    const startedAtMs = clock.now();
    try {
      const budgetMs = deadlineMs - clock.now();
      if (budgetMs <= 0) throw new UpstreamTimeoutError(lookup.key.source, budgetOf(lookup));
      const fetched = await lookup.fetch({ budgetMs });
      entry = profileEntry(fetched, clock.now());
    } catch (error) {
      if (!(error instanceof ProfileNotFoundError)) {
        // Errors are not cached: instances waiting on this call make their own.
        void store.track(lease.then((held) => held?.release()));
        throw error;
      }
      entry = { kind: 'not-found', fetchedAtMs: clock.now() };
    }
    const storing = !flight.superseded && !this.options.isClosed();
    const written = storing ? store.store(keys, entry, lookup.policy, startedAtMs) : Promise.resolve();
    // Released only once the entry is in Redis, so a waiter that sees the lease gone finds the entry.
    void store.track(Promise.all([lease, written]).then(([held]) => held?.release()));
    return { entry, collapsed: false, stored: storing };
  }
}

/** An upstream call to wait on (`collapsed`: started by another request), and what may stand in when it fails. */
export interface Forwarding {
  lookup: CacheLookup;
  flight: Flight<FlightResult>;
  collapsed: boolean;
  fwd: 'miss' | 'request';
  stale: StoredProfile | undefined;
  staleFallbackUntilMs: number | undefined;
  deadlineMs: number;
}
