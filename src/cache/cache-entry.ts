import secureJson from 'secure-json-parse';

import type { CanonicalProfile, JsonValue } from '../profiles/profile.model.js';

/** One cached profile, as answered to callers. Shared between responses: treat it as read-only. */
export interface CachedProfile {
  profile: CanonicalProfile;
  /** Upstream body exactly as received (for `include=raw`). */
  raw: JsonValue;
  /** When the gateway received it from the upstream (epoch ms); `Age` counts from here. */
  fetchedAtMs: number;
  /** Weak ETag, computed once when the entry is stored. */
  etag: string;
}

export interface StoredProfile extends CachedProfile {
  kind: 'profile';
}

/** The upstream said the user does not exist (cached for `notFoundTtl`). */
export interface StoredNotFound {
  kind: 'not-found';
  fetchedAtMs: number;
}

export type StoredEntry = StoredProfile | StoredNotFound;

/** JSON text of an entry, as kept in Redis. */
export function encodeEntry(entry: StoredEntry): string {
  return JSON.stringify(entry);
}

/**
 * Reads an entry written by `encodeEntry`; undefined for anything else (a corrupt value, or one written by
 * other software under our prefix), which the cache then treats as absent.
 */
export function decodeEntry(text: string): StoredEntry | undefined {
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
  } catch {
    return undefined;
  }
  if (!isRecord(value) || typeof value.fetchedAtMs !== 'number' || !Number.isFinite(value.fetchedAtMs)) return undefined;
  if (value.kind === 'not-found') return { kind: 'not-found', fetchedAtMs: value.fetchedAtMs };
  if (value.kind !== 'profile' || typeof value.etag !== 'string' || !('raw' in value)) return undefined;
  const profile = value.profile;
  if (!isRecord(profile) || typeof profile.id !== 'string' || typeof profile.source !== 'string' || !isRecord(profile.meta)) {
    return undefined;
  }
  return {
    kind: 'profile',
    profile: profile as unknown as CanonicalProfile,
    raw: value.raw as JsonValue,
    fetchedAtMs: value.fetchedAtMs,
    etag: value.etag,
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
