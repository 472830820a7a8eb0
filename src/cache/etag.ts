import { createHash } from 'node:crypto';

import type { CanonicalProfile, JsonValue } from '../profiles/profile.model.js';

/**
 * JSON with object keys sorted at every level, so two profiles holding the same data give the same text
 * even when an upstream returns `attributes` keys in another order.
 */
export function stableJson(value: JsonValue): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => stableJson(item)).join(',')}]`;
  const keys = Object.keys(value).sort();
  const members: string[] = [];
  for (const key of keys) {
    const member = value[key];
    if (member === undefined) continue;
    members.push(`${JSON.stringify(key)}:${stableJson(member)}`);
  }
  return `{${members.join(',')}}`;
}

/**
 * Weak ETag (`W/"…"`, contract v2) of a canonical profile: the base64url SHA-256 of its JSON without `meta` (and
 * without `raw`, which a cached profile never holds), so a refresh that changes no field keeps the same validator.
 * Weak, since two bodies that differ only in `meta.fetchedAt` share it (RFC 9110 §8.8.1).
 */
export function profileEtag(profile: CanonicalProfile): string {
  const { meta: _meta, raw: _raw, ...fields } = profile as CanonicalProfile & { raw?: JsonValue };
  const digest = createHash('sha256')
    .update(stableJson(fields as unknown as JsonValue))
    .digest('base64url');
  return `W/"${digest}"`;
}
