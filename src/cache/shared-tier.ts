import secureJson from 'secure-json-parse';

/**
 * Redis operations the cache reports to its observer when they fail or are skipped while Redis is down
 * (`lease`: taking, checking or releasing the lease of a cross-instance upstream call; `purge`: writing a purge
 * tombstone; `generation`: reading or raising a source's purge generation).
 */
export type RedisOperation = 'get' | 'set' | 'publish' | 'subscribe' | 'lease' | 'purge' | 'generation';

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
  /**
   * Stores `text` for `ttlMs` and announces it to the other instances, unless the key holds a purge tombstone written at
   * or after `startedAtMs` (the fetch began before that purge): `refused` then. `failed` when Redis could not take it.
   */
  store(key: string, text: string, ttlMs: number, fetchedAtMs: number, startedAtMs: number): Promise<StoreResult>;
  /** Replaces the key's value with `tombstone` for `ttlMs` and announces the purge; false when Redis could not take it. */
  purge(key: string, tombstone: string, ttlMs: number, purgedAtMs: number): Promise<boolean>;
  /** The purge generation kept in `generationKey` (0 when absent); undefined when Redis could not answer. */
  readGeneration(generationKey: string): Promise<number | undefined>;
  /** Raises the generation of `source` (`INCR generationKey`) and announces it; the new one, undefined when Redis failed. */
  bumpGeneration(generationKey: string, source: string): Promise<number | undefined>;
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

/** `refused`: a purge tombstone newer than the fetch holds the key. */
export type StoreResult = 'stored' | 'refused' | 'failed';

/**
 * What an instance announces after storing an entry, or after purging one (`purged`, `fetchedAtMs` is then the time
 * of the purge): the others drop their memory copy and stop storing the calls they have in flight for that key.
 */
export interface EntryAnnouncement {
  key: string;
  fetchedAtMs: number;
  instanceId: string;
  purged?: true;
}

/** What an instance announces after a source purge: the source's new generation. */
export interface GenerationAnnouncement {
  source: string;
  generation: number;
  instanceId: string;
}

export type InvalidationMessage = EntryAnnouncement | GenerationAnnouncement;

export function isGenerationAnnouncement(message: InvalidationMessage): message is GenerationAnnouncement {
  return 'generation' in message;
}

/** Parses a message of the invalidation channel; undefined when it is not one. */
export function parseInvalidation(text: string): InvalidationMessage | undefined {
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { key, fetchedAtMs, instanceId, purged, source, generation } = value as Record<string, unknown>;
  if (typeof instanceId !== 'string') return undefined;
  if (typeof source === 'string' && typeof generation === 'number' && Number.isSafeInteger(generation)) return { source, generation, instanceId };
  if (typeof key !== 'string' || typeof fetchedAtMs !== 'number' || !Number.isFinite(fetchedAtMs)) return undefined;
  return purged === true ? { key, fetchedAtMs, instanceId, purged: true } : { key, fetchedAtMs, instanceId };
}
