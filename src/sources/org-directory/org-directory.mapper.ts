import type { CanonicalField, CanonicalProfile, JsonObject, MapContext, Membership } from '../../profiles/profile.model.js';
import { optionalTimestamp } from '../../profiles/timestamps.js';
import { requiredTimestamp } from '../shared/mapping.js';
import type { OrgDirectoryUser, OrgDirectoryUserGroup } from './org-directory.types.js';

/** Contract section 3, `org-directory`: canonical fields this kind can never fill. */
export const ORG_DIRECTORY_UNSUPPORTED_FIELDS: readonly CanonicalField[] = [
  'username',
  'avatarUrl',
  'country',
  'city',
  'lastSeenAt',
  'lastSeenByChannel',
];

/** Upstream keys copied into `attributes` when present, in this order. */
export const ORG_DIRECTORY_ATTRIBUTE_KEYS = [
  'account',
  'description',
  'remarks',
  'invitation',
  'autoRemoveAfter',
  'autoRemoveDate',
  'emailAddressVerify',
  'phoneNumberVerify',
] as const satisfies ReadonlyArray<keyof OrgDirectoryUser>;

/** `firstName lastName`, skipping absent parts; null when both are absent (an empty string is a present part). */
function displayName(user: OrgDirectoryUser): string | null {
  const parts = [user.firstName, user.lastName].filter((part): part is string => part !== undefined && part !== null);
  return parts.length > 0 ? parts.join(' ') : null;
}

function toGroupMembership(group: OrgDirectoryUserGroup): Membership {
  return {
    id: String(group.id),
    name: group.name ?? null,
    type: 'group',
    role: group.groupAdmin === true ? 'admin' : 'member',
    description: group.description ?? null,
    attributes: {},
  };
}

function memberships(user: OrgDirectoryUser): Membership[] {
  const groups = (user.userGroups ?? []).map(toGroupMembership);
  const { organization } = user;
  if (!organization) return groups;
  return [
    {
      id: String(organization.id),
      name: organization.name ?? null,
      type: 'organization',
      role: null,
      description: null,
      attributes: { personal: organization.personal ?? null },
    },
    ...groups,
  ];
}

/** Present keys are copied as received; the upstream omits null keys, and an explicit null counts as absent. */
function attributes(user: OrgDirectoryUser): JsonObject {
  const out: JsonObject = {};
  for (const key of ORG_DIRECTORY_ATTRIBUTE_KEYS) {
    const value = user[key];
    if (value !== undefined && value !== null) out[key] = value;
  }
  return out;
}

/**
 * Maps an org-directory user into the canonical profile. Pure. Absent keys count as null; the numeric id becomes
 * its decimal string.
 * @throws UpstreamBodyError when `dateCreated` is not a timestamp
 */
export function mapOrgDirectoryUser(user: OrgDirectoryUser, context: MapContext): CanonicalProfile {
  return {
    source: context.source,
    id: String(user.id),
    externalId: user.externalId ?? null,
    username: null,
    displayName: displayName(user),
    givenName: user.firstName ?? null,
    familyName: user.lastName ?? null,
    email: user.emailAddress ?? null,
    emailVerified: user.emailAddressVerified ?? null,
    phone: user.phoneNumber ?? null,
    phoneVerified: user.phoneNumberVerified ?? null,
    avatarUrl: null,
    country: null,
    city: null,
    anonymous: false,
    roles: user.superUser === true ? ['superuser'] : [],
    memberships: memberships(user),
    lastSeenAt: null,
    lastSeenByChannel: {},
    createdAt: requiredTimestamp('dateCreated', user.dateCreated),
    updatedAt: optionalTimestamp('dateModified', user.dateModified, context.onInvalidOptionalTimestamp),
    attributes: attributes(user),
    meta: { kind: 'org-directory', fetchedAt: context.fetchedAt, unsupportedFields: [...ORG_DIRECTORY_UNSUPPORTED_FIELDS] },
  };
}
