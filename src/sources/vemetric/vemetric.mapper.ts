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
    country: user.country ?? null,
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
