import type { CachedProfile } from '../cache/cache-entry.js';

/**
 * The JSON body of each cached profile, serialized on its first answer and reused while the entry lives: cached
 * entries are shared and never modified, and a memory-tier hit hands out the same entry object every time. This
 * saves a `JSON.stringify` of the whole profile on every hit (the largest piece of the controller's own work).
 */
const serializedProfiles = new WeakMap<CachedProfile, string>();

export function profileBodyOf(entry: CachedProfile): string {
  let body = serializedProfiles.get(entry);
  if (body === undefined) {
    body = JSON.stringify(entry.profile);
    serializedProfiles.set(entry, body);
  }
  return body;
}
