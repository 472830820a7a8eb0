import type { CanonicalProfile } from '../../src/profiles/profile.model.js';
import type { FetchedProfile } from '../../src/profiles/profile-source.port.js';

/** A complete canonical profile for cache tests; `overrides` replace top-level fields. */
export function testProfile(overrides: Partial<CanonicalProfile> = {}): CanonicalProfile {
  return {
    source: 'crm-usertour',
    id: 'usr_1',
    externalId: 'usr_1',
    username: null,
    displayName: 'John Doe',
    givenName: null,
    familyName: null,
    email: 'john.doe@example.com',
    emailVerified: null,
    phone: null,
    phoneVerified: null,
    avatarUrl: null,
    country: null,
    city: null,
    anonymous: false,
    roles: [],
    memberships: [],
    lastSeenAt: null,
    lastSeenByChannel: {},
    createdAt: '2024-03-20T08:30:00.000Z',
    updatedAt: null,
    attributes: { name: 'John Doe', email: 'john.doe@example.com' },
    meta: { kind: 'usertour', fetchedAt: '2026-11-22T10:00:00.000Z', unsupportedFields: ['username'] },
    ...overrides,
  };
}

/** What a source returns for `testProfile(overrides)`, with a raw body naming the display name. */
export function testFetched(overrides: Partial<CanonicalProfile> = {}): FetchedProfile {
  const profile = testProfile(overrides);
  return { profile, raw: { id: profile.id, attributes: { name: profile.displayName } } };
}
