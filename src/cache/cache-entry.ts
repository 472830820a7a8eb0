import secureJson from 'secure-json-parse';

import type { CanonicalProfile, JsonValue } from '../profiles/profile.model.js';
import type { FetchedProfile } from '../profiles/profile-source.port.js';
import { profileEtag } from './etag.js';

/**
 * One cached profile, as answered to callers: the bytes that are served, not a live object graph. Shared between
 * responses and never modified.
 */
export interface CachedProfile {
  /** The canonical profile's JSON body, as answered. */
  body: string;
  /** JSON text of the upstream body as received (for `include=raw`). */
  rawJson: string;
  /** When the gateway received it from the upstream (epoch ms); `Age` counts from here. */
  fetchedAtMs: number;
  /** Weak ETag, computed once when the entry is made. */
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

/** The entry of a fetched profile: serialized (with its ETag) once, here, and served as is from then on. */
export function profileEntry(fetched: FetchedProfile, fetchedAtMs: number): StoredProfile {
  return { kind: 'profile', body: JSON.stringify(fetched.profile), rawJson: JSON.stringify(fetched.raw), fetchedAtMs, etag: profileEtag(fetched.profile) };
}

/** The body of `include=raw`: the profile's members, then `raw` (what `JSON.stringify({ ...profile, raw })` gives). */
export function bodyWithRaw(entry: CachedProfile): string {
  return entry.body.length > 2 ? `${entry.body.slice(0, -1)},"raw":${entry.rawJson}}` : `{"raw":${entry.rawJson}}`;
}

/** The profile of an entry as an object (parsed again: entries keep only text). */
export function profileOf(entry: CachedProfile): CanonicalProfile {
  return JSON.parse(entry.body) as CanonicalProfile;
}

/** The upstream body of an entry as a value (parsed again). */
export function rawOf(entry: CachedProfile): JsonValue {
  return JSON.parse(entry.rawJson) as JsonValue;
}

/**
 * What a purge leaves in an entry key instead of deleting it: the time of the purge. It reads as "nothing cached",
 * and the entry write (`RedisTier.store`) refuses to replace it with the result of a fetch that started before it,
 * so a fetch in flight during the purge cannot bring the purged data back. It lives only as long as such a fetch can.
 */
export const TOMBSTONE_PREFIX = '{"kind":"purged"';

export function encodeTombstone(purgedAtMs: number): string {
  return `${TOMBSTONE_PREFIX},"purgedAtMs":${Math.floor(purgedAtMs)}}`;
}

/** Whether a stored text is a purge tombstone (`encodeTombstone`). */
export function isTombstone(text: string): boolean {
  return text.startsWith(TOMBSTONE_PREFIX);
}

/**
 * Bytes an entry takes in the memory tier, for its `maxBytes` budget: the UTF-8 size of its texts (V8 keeps Latin-1
 * text at one byte a character, other text at two) plus a fixed allowance for the objects around them.
 */
export const ENTRY_OVERHEAD_BYTES = 256;
export function entrySizeBytes(key: string, entry: StoredEntry): number {
  const texts = entry.kind === 'profile' ? Buffer.byteLength(entry.body) + Buffer.byteLength(entry.rawJson) + entry.etag.length : 0;
  return ENTRY_OVERHEAD_BYTES + key.length + texts;
}

/**
 * Text of an entry in Redis: a header line with the fetch time and the lengths of the ETag and the body, then the ETag,
 * the body and the raw text, so a read takes the served body out with a slice instead of parsing and re-serializing it.
 * `P2 <fetchedAtMs> <etag length> <body length>\n<etag><body><raw>`, or `N2 <fetchedAtMs>` for a cached 404.
 */
export function encodeEntry(entry: StoredEntry): string {
  if (entry.kind === 'not-found') return `N2 ${entry.fetchedAtMs}`;
  return `P2 ${entry.fetchedAtMs} ${entry.etag.length} ${entry.body.length}\n${entry.etag}${entry.body}${entry.rawJson}`;
}

const HEADER = /^P2 (\d{1,16}) (\d{1,4}) (\d{1,9})$/;
const NOT_FOUND = /^N2 (\d{1,16})$/;

/**
 * Reads an entry written by `encodeEntry` (or, from before it, the JSON of the whole entry); undefined for anything
 * else (a corrupt value, or one written by other software under our prefix), which the cache then treats as absent.
 */
export function decodeEntry(text: string): StoredEntry | undefined {
  if (text.startsWith('N2 ')) {
    const match = NOT_FOUND.exec(text);
    return match ? { kind: 'not-found', fetchedAtMs: Number(match[1]) } : undefined;
  }
  if (!text.startsWith('P2 ')) return decodeJsonEntry(text);
  const newline = text.indexOf('\n');
  const match = newline > 0 ? HEADER.exec(text.slice(0, newline)) : null;
  if (!match) return undefined;
  const etagEnd = newline + 1 + Number(match[2]);
  const bodyEnd = etagEnd + Number(match[3]);
  if (bodyEnd >= text.length) return undefined;
  const body = text.slice(etagEnd, bodyEnd);
  if (body.charCodeAt(0) !== 0x7b || body.charCodeAt(body.length - 1) !== 0x7d) return undefined;
  return { kind: 'profile', body, rawJson: text.slice(bodyEnd), fetchedAtMs: Number(match[1]), etag: text.slice(newline + 1, etagEnd) };
}

/** An entry in the JSON form written before `encodeEntry`'s framed text (a rolling deploy meets both). */
function decodeJsonEntry(text: string): StoredEntry | undefined {
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
  return { kind: 'profile', body: JSON.stringify(profile), rawJson: JSON.stringify(value.raw), fetchedAtMs: value.fetchedAtMs, etag: value.etag };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
