import type { CanonicalField, CanonicalProfile, MapContext, Membership } from '../../profiles/profile.model.js';
import { optionalTimestamp } from '../../profiles/timestamps.js';
import { requiredTimestamp } from '../shared/mapping.js';
import type { ScalepadAmmDepartment, ScalepadAmmUser } from './scalepad-amm.types.js';

/** Contract section 3, `scalepad-amm`: canonical fields this kind can never fill. */
export const SCALEPAD_AMM_UNSUPPORTED_FIELDS: readonly CanonicalField[] = [
  'givenName',
  'familyName',
  'email',
  'emailVerified',
  'phone',
  'phoneVerified',
  'avatarUrl',
  'country',
  'city',
  'roles',
];

function toMembership(department: ScalepadAmmDepartment): Membership {
  return {
    id: department.id,
    name: department.name ?? null,
    type: 'department',
    role: null,
    description: department.description ?? null,
    attributes: {},
  };
}

/**
 * Maps a ScalePad AMM user into the canonical profile. Pure. `username` is also the display name (AMM knows no
 * human name); both activity channels are always reported, possibly as null.
 * @throws UpstreamBodyError when `created_at` or `updated_at` is not a timestamp
 */
export function mapScalepadAmmUser(user: ScalepadAmmUser, context: MapContext): CanonicalProfile {
  const onInvalid = context.onInvalidOptionalTimestamp;
  return {
    source: context.source,
    id: user.id,
    externalId: user.user_key,
    username: user.username,
    displayName: user.username,
    givenName: null,
    familyName: null,
    email: null,
    emailVerified: null,
    phone: null,
    phoneVerified: null,
    avatarUrl: null,
    country: null,
    city: null,
    anonymous: false,
    roles: [],
    memberships: user.departments.map(toMembership),
    lastSeenAt: optionalTimestamp('last_activity.at', user.last_activity.at, onInvalid),
    lastSeenByChannel: {
      desktop: optionalTimestamp('last_activity.desktop_at', user.last_activity.desktop_at, onInvalid),
      web: optionalTimestamp('last_activity.web_at', user.last_activity.web_at, onInvalid),
    },
    createdAt: requiredTimestamp('created_at', user.created_at),
    updatedAt: requiredTimestamp('updated_at', user.updated_at),
    attributes: {},
    meta: { kind: 'scalepad-amm', fetchedAt: context.fetchedAt, unsupportedFields: [...SCALEPAD_AMM_UNSUPPORTED_FIELDS] },
  };
}
