import type { AdapterKind } from './adapter-kind.js';

/** JSON value as received from an upstream (after safe parsing). */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** The contract's membership vocabulary, in its order. Each kind declares which of these it produces. */
export const MEMBERSHIP_TYPES = ['company', 'department', 'organization', 'group'] as const;

export type MembershipType = (typeof MEMBERSHIP_TYPES)[number];

export interface Membership {
  id: string;
  name: string | null;
  type: MembershipType;
  role: string | null;
  description: string | null;
  attributes: JsonObject;
}

/** Canonical fields, in the order of the contract's table (also the order of `meta.unsupportedFields`). */
export const CANONICAL_FIELDS = [
  'source',
  'id',
  'externalId',
  'username',
  'displayName',
  'givenName',
  'familyName',
  'email',
  'emailVerified',
  'phone',
  'phoneVerified',
  'avatarUrl',
  'country',
  'city',
  'anonymous',
  'roles',
  'memberships',
  'lastSeenAt',
  'lastSeenByChannel',
  'createdAt',
  'updatedAt',
  'attributes',
] as const;

export type CanonicalField = (typeof CANONICAL_FIELDS)[number];

export interface ProfileMeta {
  kind: AdapterKind;
  /** When the gateway fetched this from the upstream (`YYYY-MM-DDTHH:mm:ss.sssZ`). */
  fetchedAt: string;
  unsupportedFields: CanonicalField[];
}

/** The canonical profile of contract section 2. Every key is always present. */
export interface CanonicalProfile {
  source: string;
  id: string;
  externalId: string | null;
  username: string | null;
  displayName: string | null;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
  emailVerified: boolean | null;
  phone: string | null;
  phoneVerified: boolean | null;
  avatarUrl: string | null;
  country: string | null;
  city: string | null;
  anonymous: boolean;
  roles: string[];
  memberships: Membership[];
  lastSeenAt: string | null;
  lastSeenByChannel: Partial<Record<'desktop' | 'web', string | null>>;
  createdAt: string | null;
  updatedAt: string | null;
  attributes: JsonObject;
  meta: ProfileMeta;
}

/** What every mapper receives besides the upstream body. */
export interface MapContext {
  /** Configured source name (the `:source` of the URL). */
  source: string;
  /** Fetch time, already normalized. */
  fetchedAt: string;
  /** Called for optional timestamps that could not be parsed (they become null). */
  onInvalidOptionalTimestamp?: (field: string, value: unknown) => void;
}
