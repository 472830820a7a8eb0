import { randomUUID } from 'node:crypto';

import type { StoredEntry } from './cache-entry.js';
import { type CacheClock, WAIT_ENDED } from './clock.js';
import type { SharedTier } from './shared-tier.js';

/**
 * Lifetime of a lease in Redis. It is kept short and extended every `LEASE_HEARTBEAT_MS` while its holder lives, so
 * when the holder dies (kill -9) its lease ends within this time and a waiting instance takes over.
 */
export const LEASE_TTL_MS = 300;
export const LEASE_HEARTBEAT_MS = 100;

/** First and longest pause between two checks of another instance's call (pub/sub usually ends the wait first). */
const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 100;

export interface HeldLease {
  /** Stops the heartbeat and deletes the lease if this holder still has it. Never rejects. */
  release(): Promise<void>;
}

/** `held`: another instance holds the lease; `failed`: Redis could not answer. */
export type LeaseClaim = { readonly kind: 'acquired'; readonly lease: HeldLease } | { readonly kind: 'held' } | { readonly kind: 'failed' };

/**
 * How a wait on another instance's call ended: its `entry`, the lease `free` without one (the holder failed or died),
 * the lookup's `deadline`, Redis `failed`, or the cache `closed`.
 */
export type WaitEnd = { readonly kind: 'entry'; readonly entry: StoredEntry } | { readonly kind: 'free' | 'deadline' | 'failed' | 'closed' };

export interface FleetLeaseOptions {
  clock: CacheClock;
  ttlMs?: number;
  heartbeatMs?: number;
}

/**
 * The fleet-wide lease on a key: the instance that takes it calls the upstream and stores the entry, the others wait
 * for that entry. The holder keeps its short lease alive with a heartbeat; waiters poll with a short backoff, are woken
 * early by the invalidation announcement of the entry, and never wait past their lookup's deadline.
 */
export class FleetLease {
  private readonly wakers = new Map<string, Set<AbortController>>();
  private readonly heartbeats = new Set<AbortController>();
  private readonly ttlMs: number;
  private readonly heartbeatMs: number;
  private closed = false;

  constructor(private readonly options: FleetLeaseOptions) {
    this.ttlMs = options.ttlMs ?? LEASE_TTL_MS;
    this.heartbeatMs = options.heartbeatMs ?? LEASE_HEARTBEAT_MS;
  }

  /** Takes the lease if it is free, without waiting; never rejects. */
  async claim(shared: SharedTier, leaseKey: string): Promise<LeaseClaim> {
    const token = `${shared.instanceId}:${randomUUID()}`;
    const attempt = await shared.acquireLease(leaseKey, token, this.ttlMs);
    if (attempt !== 'acquired') return { kind: attempt };
    return { kind: 'acquired', lease: this.hold(shared, leaseKey, token) };
  }

  /**
   * Waits for another instance's call on `key` (whose lease is `leaseKey`): checks `readNewer` for its entry after
   * each pause, and the lease after that. Ends at `deadlineMs` at the latest.
   */
  async waitForHolder(
    shared: SharedTier,
    key: string,
    leaseKey: string,
    deadlineMs: number,
    readNewer: () => Promise<{ entry?: StoredEntry; failed: boolean }>,
  ): Promise<WaitEnd> {
    const { clock } = this.options;
    let backoffMs = FIRST_POLL_MS;
    let leaseLeftMs = Number.POSITIVE_INFINITY;
    for (;;) {
      const budgetLeftMs = deadlineMs - clock.now();
      if (budgetLeftMs <= 0) return { kind: 'deadline' };
      // Checks again right after the lease runs out, so a holder that died costs no more than its short lease.
      await this.pause(key, Math.min(backoffMs, leaseLeftMs + 1, budgetLeftMs));
      if (this.closed) return { kind: 'closed' };
      const stored = await readNewer();
      if (stored.entry) return { kind: 'entry', entry: stored.entry };
      if (stored.failed) return { kind: 'failed' };
      const remaining = await shared.leaseRemainingMs(leaseKey);
      if (remaining === undefined) return { kind: 'failed' };
      if (remaining === 0) {
        // The holder stores before it releases: read once more after seeing the lease gone.
        const last = await readNewer();
        return last.entry ? { kind: 'entry', entry: last.entry } : { kind: 'free' };
      }
      leaseLeftMs = remaining;
      backoffMs = Math.min(backoffMs * 2, MAX_POLL_MS);
    }
  }

  /** Ends the pauses of the waits on `key` at once (its entry was announced). */
  wake(key: string): void {
    for (const waker of this.wakers.get(key) ?? []) waker.abort(WAIT_ENDED);
  }

  /** Ends every wait and heartbeat. */
  close(): void {
    this.closed = true;
    for (const heartbeat of this.heartbeats) heartbeat.abort(WAIT_ENDED);
    for (const wakers of this.wakers.values()) for (const waker of wakers) waker.abort(WAIT_ENDED);
  }

  private async pause(key: string, ms: number): Promise<void> {
    let wakers = this.wakers.get(key);
    if (!wakers) {
      wakers = new Set();
      this.wakers.set(key, wakers);
    }
    const waker = new AbortController();
    wakers.add(waker);
    try {
      await this.options.clock.sleep(Math.max(0, ms), waker.signal);
    } finally {
      wakers.delete(waker);
      if (wakers.size === 0 && this.wakers.get(key) === wakers) this.wakers.delete(key);
    }
  }

  /** Extends the lease every `heartbeatMs` until released, lost to another instance, or the cache closes. */
  private hold(shared: SharedTier, leaseKey: string, token: string): HeldLease {
    const stop = new AbortController();
    this.heartbeats.add(stop);
    const beat = async (): Promise<void> => {
      for (;;) {
        await this.options.clock.sleep(this.heartbeatMs, stop.signal);
        if (stop.signal.aborted || this.closed) return;
        // `failed` (Redis did not answer) keeps beating: the lease may still be ours once Redis answers again.
        if ((await shared.extendLease(leaseKey, token, this.ttlMs)) === 'lost') return;
      }
    };
    const beating = beat().finally(() => this.heartbeats.delete(stop));
    return {
      release: async () => {
        stop.abort(WAIT_ENDED);
        await beating;
        await shared.releaseLease(leaseKey, token);
      },
    };
  }
}
