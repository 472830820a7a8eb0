import type { CanonicalField, CanonicalProfile, JsonObject, JsonValue, MapContext, Membership } from '../../profiles/profile.model.js';
import { optionalTimestamp } from '../../profiles/timestamps.js';
import { isJsonObject } from '../shared/mapping.js';
import { SCIM_ENTERPRISE_USER_SCHEMA, type ScimUser } from './scim.types.js';

/** Contract section 3, `scim`: canonical fields this kind can never fill. */
export const SCIM_UNSUPPORTED_FIELDS: readonly CanonicalField[] = ['emailVerified', 'phoneVerified', 'lastSeenAt', 'lastSeenByChannel'];

/** Top-level attributes that never go into `attributes`: those mapped to a field, and `schemas`, `meta`, `password`. */
const NOT_IN_ATTRIBUTES = new Set(
  ['schemas', 'meta', 'password', 'id', 'externalId', 'userName', 'displayName', 'name', 'emails', 'phoneNumbers', 'photos', 'addresses', 'roles', 'groups'].map(
    (name) => name.toLowerCase(),
  ),
);

/** An attribute of a SCIM object by name; SCIM attribute names are case-insensitive (RFC 7643 §2.1). */
function attribute(object: JsonObject, name: string): JsonValue | undefined {
  if (Object.hasOwn(object, name)) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

/** A string attribute; absent, null, empty or another type count as absent. */
function text(object: JsonObject, name: string): string | null {
  const value = attribute(object, name);
  return typeof value === 'string' && value.length > 0 ? value : null;
}

function complex(object: JsonObject, name: string): JsonObject | null {
  const value = attribute(object, name);
  return isJsonObject(value) ? value : null;
}

/** The item of a multi-valued attribute with `primary: true`, else the first item (RFC 7643 §2.4). */
function primaryOrFirst(object: JsonObject, name: string): JsonObject | null {
  const list = attribute(object, name);
  if (!Array.isArray(list)) return null;
  const items = list.filter(isJsonObject);
  return items.find((item) => attribute(item, 'primary') === true) ?? items[0] ?? null;
}

const VISUAL_SEPARATORS = /[-.\s()]/g;
const E164 = /^\+\d{8,15}$/;

/**
 * A phone number in E.164 when it can be read as one: a `tel:` URI or a value with visual separators (`-`, `.`, spaces,
 * parentheses) becomes `+digits` when that gives `+` and 8 to 15 digits. Anything else (a local number, an extension,
 * a `tel:` URI with parameters) is kept as received.
 */
export function e164OrAsReceived(value: string): string {
  const candidate = (/^tel:/i.test(value) ? value.slice('tel:'.length) : value).replace(VISUAL_SEPARATORS, '');
  return E164.test(candidate) ? candidate : value;
}

function joinNames(givenName: string | null, familyName: string | null): string | null {
  const parts = [givenName, familyName].filter((part): part is string => part !== null);
  return parts.length > 0 ? parts.join(' ') : null;
}

function memberships(user: ScimUser): Membership[] {
  const out: Membership[] = [];
  const enterprise = complex(user, SCIM_ENTERPRISE_USER_SCHEMA);
  const organization = enterprise ? text(enterprise, 'organization') : null;
  const department = enterprise ? text(enterprise, 'department') : null;
  if (organization !== null) out.push({ id: organization, name: organization, type: 'organization', role: null, description: null, attributes: {} });
  if (department !== null) out.push({ id: department, name: department, type: 'department', role: null, description: null, attributes: {} });
  const groups = attribute(user, 'groups');
  for (const group of Array.isArray(groups) ? groups.filter(isJsonObject) : []) {
    const id = text(group, 'value');
    if (id === null) continue;
    const type = text(group, 'type');
    out.push({ id, name: text(group, 'display'), type: 'group', role: null, description: null, attributes: type === null ? {} : { type } });
  }
  return out;
}

function roles(user: ScimUser): string[] {
  const list = attribute(user, 'roles');
  if (!Array.isArray(list)) return [];
  return list.filter(isJsonObject).flatMap((role) => {
    const value = text(role, 'value');
    return value === null ? [] : [value];
  });
}

function attributes(user: ScimUser): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(user)) if (!NOT_IN_ATTRIBUTES.has(key.toLowerCase())) out[key] = value;
  return out;
}

/** Maps a SCIM 2.0 User resource (RFC 7643 §4.1) into the canonical profile. Pure. */
export function mapScimUser(user: ScimUser, context: MapContext): CanonicalProfile {
  const name = complex(user, 'name');
  const givenName = name ? text(name, 'givenName') : null;
  const familyName = name ? text(name, 'familyName') : null;
  const email = primaryOrFirst(user, 'emails');
  const phone = primaryOrFirst(user, 'phoneNumbers');
  const phoneValue = phone ? text(phone, 'value') : null;
  const photo = primaryOrFirst(user, 'photos');
  const address = primaryOrFirst(user, 'addresses');
  const country = address ? text(address, 'country') : null;
  const meta = complex(user, 'meta');
  return {
    source: context.source,
    id: user.id,
    externalId: text(user, 'externalId'),
    username: text(user, 'userName'),
    displayName: text(user, 'displayName') ?? (name ? text(name, 'formatted') : null) ?? joinNames(givenName, familyName),
    givenName,
    familyName,
    email: email ? text(email, 'value') : null,
    emailVerified: null,
    phone: phoneValue === null ? null : e164OrAsReceived(phoneValue),
    phoneVerified: null,
    avatarUrl: photo ? text(photo, 'value') : null,
    country: country === null ? null : country.trim().toUpperCase() || null,
    city: address ? text(address, 'locality') : null,
    anonymous: false,
    roles: roles(user),
    memberships: memberships(user),
    lastSeenAt: null,
    lastSeenByChannel: {},
    createdAt: meta ? optionalTimestamp('meta.created', attribute(meta, 'created'), context.onInvalidOptionalTimestamp) : null,
    updatedAt: meta ? optionalTimestamp('meta.lastModified', attribute(meta, 'lastModified'), context.onInvalidOptionalTimestamp) : null,
    attributes: attributes(user),
    meta: { kind: 'scim', fetchedAt: context.fetchedAt, unsupportedFields: [...SCIM_UNSUPPORTED_FIELDS] },
  };
}
