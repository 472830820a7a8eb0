/**
 * Redis operations the cache reports to its observer when they fail or are skipped while Redis is down
 * (`lease`: taking, checking or releasing the lease of a cross-instance upstream call).
 */
export type RedisOperation = 'get' | 'set' | 'publish' | 'subscribe' | 'lease';

/** A read of the shared tier: `ok: false` when Redis could not answer (down, timed out, not connected). */
export type SharedRead = { ok: true; text: string | undefined } | { ok: false };

/** `held`: another instance holds the lease; `failed`: Redis could not answer. */
export type LeaseAttempt = 'acquired' | 'held' | 'failed';

/** `lost`: the token no longer holds the lease (it expired); `failed`: Redis could not answer. */
export type LeaseExtension = 'extended' | 'lost' | 'failed';

/**
 * What the profile cache needs from its shared tier. Nothing here throws: a failed command is reported and
 * answered as "nothing" (`ok: false`, `failed`, `undefined`).
 */
export interface SharedTier {
  /** Identifies this process in invalidation messages and lease tokens. */
  readonly instanceId: string;
  /** Connected, and the last command did not fail (a Cluster stays connected while one node is down). */
  isReady(): boolean;
  read(key: string): Promise<SharedRead>;
  /** Stores `text` for `ttlMs` and announces it to the other instances; false when Redis could not take it. */
  store(key: string, text: string, ttlMs: number, fetchedAtMs: number): Promise<boolean>;
  /** `SET leaseKey token NX PX ttlMs`. */
  acquireLease(leaseKey: string, token: string, ttlMs: number): Promise<LeaseAttempt>;
  /** `PEXPIRE leaseKey ttlMs` if `token` still holds the lease (the holder's heartbeat). */
  extendLease(leaseKey: string, token: string, ttlMs: number): Promise<LeaseExtension>;
  /** Milliseconds left on the lease (0 when no instance holds it); undefined when Redis could not answer. */
  leaseRemainingMs(leaseKey: string): Promise<number | undefined>;
  /** Deletes the lease if `token` still holds it (an expired lease taken over by another instance is left alone). */
  releaseLease(leaseKey: string, token: string): Promise<void>;
  close(): Promise<void>;
}

/** What an instance announces after storing an entry. */
export interface InvalidationMessage {
  key: string;
  fetchedAtMs: number;
  instanceId: string;
}

