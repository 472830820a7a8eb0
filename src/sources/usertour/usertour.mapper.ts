import type { CanonicalField, CanonicalProfile, MapContext, Membership } from '../../profiles/profile.model.js';
import { requiredTimestamp, stringOrNull } from '../shared/mapping.js';
import type { UsertourMembership, UsertourUserResponse } from './usertour.types.js';

/** Contract section 3, `usertour`: canonical fields this kind can never fill. */
export const USERTOUR_UNSUPPORTED_FIELDS: readonly CanonicalField[] = [
  'username',
  'givenName',
  'familyName',
  'emailVerified',
  'phone',
  'phoneVerified',
  'avatarUrl',
  'country',
  'city',
  'roles',
  'lastSeenAt',
  'lastSeenByChannel',
  'updatedAt',
];

/**
 * Memberships with their company, in upstream order. A membership without `company` (not expanded, or a
 * future shape) has no usable id: `companyId` is Usertour's internal id, never the customer's company id.
 */
function mapMemberships(memberships: UsertourMembership[] | null | undefined): Membership[] {
  const out: Membership[] = [];
  for (const membership of memberships ?? []) {
    const { company } = membership;
    if (company === null || company === undefined) continue;
    const companyAttributes = company.attributes ?? {};
    out.push({
      id: company.id,
      name: stringOrNull(companyAttributes.name),
      type: 'company',
      role: stringOrNull(membership.attributes?.role),
      description: null,
      attributes: companyAttributes,
    });
  }
  return out;
}

/**
 * Maps a Usertour v1 user into the canonical profile. Pure. Usertour ids are the customer's own ids, so `id`
 * and `externalId` are the same value. An unparseable `createdAt` makes the body unusable.
 */
export function mapUsertourUser(body: UsertourUserResponse, context: MapContext): CanonicalProfile {
  const attributes = body.attributes ?? {};
  return {
    source: context.source,
    id: body.id,
    externalId: body.id,
    username: null,
    displayName: stringOrNull(attributes.name),
    givenName: null,
    familyName: null,
    email: stringOrNull(attributes.email),
    emailVerified: null,
    phone: null,
    phoneVerified: null,
    avatarUrl: null,
    country: null,
    city: null,
    anonymous: false,
    roles: [],
    memberships: mapMemberships(body.memberships),
    lastSeenAt: null,
    lastSeenByChannel: {},
    createdAt: requiredTimestamp('createdAt', body.createdAt),
    updatedAt: null,
    attributes,
    meta: { kind: 'usertour', fetchedAt: context.fetchedAt, unsupportedFields: [...USERTOUR_UNSUPPORTED_FIELDS] },
  };
}
