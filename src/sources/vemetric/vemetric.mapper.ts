import type { CanonicalField, CanonicalProfile, MapContext } from '../../profiles/profile.model.js';
import { optionalTimestamp } from '../../profiles/timestamps.js';
import { stringOrNull } from '../shared/mapping.js';
import type { VemetricUserResponse } from './vemetric.types.js';

/** Contract section 3, `vemetric`: canonical fields this kind can never fill. */
export const VEMETRIC_UNSUPPORTED_FIELDS: readonly CanonicalField[] = [
  'username',
  'givenName',
  'familyName',
  'emailVerified',
  'phone',
  'phoneVerified',
  'roles',
  'memberships',
  'lastSeenByChannel',
  'createdAt',
  'updatedAt',
];

/**
 * The canonical country is ISO 3166-1 alpha-2 in upper case. Vemetric stores alpha-2 already; the case is normalized,
 * and NUL padding or blanks (a FixedString(2) column) count as unknown, as the upstream itself does.
 */
export function countryCode(value: string | null | undefined): string | null {
  if (typeof value !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const trimmed = value.replace(/\u0000/g, '').trim();
  return trimmed.length === 0 ? null : trimmed.toUpperCase();
}

/** Maps a Vemetric user into the canonical profile. Pure; the id stays a string (it exceeds 2^53). */
export function mapVemetricUser(body: VemetricUserResponse, context: MapContext): CanonicalProfile {
  const { user } = body;
  const data = user.data ?? {};
  return {
    source: context.source,
    id: user.id,
    externalId: user.identifier ?? null,
    username: null,
    displayName: user.displayName ?? null,
    givenName: null,
    familyName: null,
    email: stringOrNull(data.email),
    emailVerified: null,
    phone: null,
    phoneVerified: null,
    avatarUrl: user.avatarUrl ?? null,
    country: countryCode(user.country),
    city: user.city ?? null,
    anonymous: user.anonymous,
    roles: [],
    memberships: [],
    lastSeenAt: optionalTimestamp('lastSeenAt', user.lastSeenAt, context.onInvalidOptionalTimestamp),
    lastSeenByChannel: {},
    createdAt: null,
    updatedAt: null,
    attributes: data,
    meta: { kind: 'vemetric', fetchedAt: context.fetchedAt, unsupportedFields: [...VEMETRIC_UNSUPPORTED_FIELDS] },
  };
}
