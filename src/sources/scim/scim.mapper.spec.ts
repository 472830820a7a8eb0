import { jest } from '@jest/globals';

import {
  scimEnterpriseUser,
  scimFamilyOnly,
  scimFormattedNameOnly,
  scimGivenFamilyOnly,
  scimMinimalUser,
  scimNoPrimaryEmail,
} from '../../../test/fixtures/scim/scim.fixtures.js';
import { CANONICAL_FIELDS, type CanonicalProfile, type JsonObject, type MapContext } from '../../profiles/profile.model.js';
import { parseUpstreamBody, UpstreamBodyError } from '../shared/mapping.js';
import { e164OrAsReceived, mapScimUser, SCIM_UNSUPPORTED_FIELDS } from './scim.mapper.js';
import { SCIM_ENTERPRISE_USER_SCHEMA, scimUserSchema } from './scim.types.js';

const context: MapContext = { source: 'workforce-idp', fetchedAt: '2026-11-22T10:00:00.000Z' };
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function map(body: JsonObject, mapContext: MapContext = context): CanonicalProfile {
  return mapScimUser(parseUpstreamBody(scimUserSchema, body), mapContext);
}

const user = (attributes: JsonObject): JsonObject => ({ schemas: [USER], id: 'u1', ...attributes });

describe('mapScimUser', () => {
  it('should map the RFC 7643 enterprise user row by row', () => {
    const profile = map(scimEnterpriseUser);

    expect(profile).toStrictEqual({
      source: 'workforce-idp',
      id: '2819c223-7f76-453a-919d-413861904646',
      externalId: '701984',
      username: 'bjensen@example.com',
      displayName: 'Babs Jensen',
      givenName: 'Barbara',
      familyName: 'Jensen',
      email: 'bjensen@example.com',
      emailVerified: null,
      phone: '+12015550123',
      phoneVerified: null,
      avatarUrl: 'https://photos.example.com/profilephoto/72930000000Ccne/F',
      country: 'US',
      city: 'Hollywood',
      anonymous: false,
      roles: ['tour-admin', 'guide'],
      memberships: [
        { id: 'Universal Studios', name: 'Universal Studios', type: 'organization', role: null, description: null, attributes: {} },
        { id: 'Tour Operations', name: 'Tour Operations', type: 'department', role: null, description: null, attributes: {} },
        { id: 'e9e30dba-f08f-4109-8486-d5c6a331660a', name: 'Tour Guides', type: 'group', role: null, description: null, attributes: { type: 'direct' } },
        { id: 'fc348aa8-3835-40eb-a20b-c726e15c55b5', name: 'Employees', type: 'group', role: null, description: null, attributes: {} },
        { id: '71ddacd2-a8e7-49b8-a5db-ae50d0a5bfd7', name: 'US Employees', type: 'group', role: null, description: null, attributes: { type: 'indirect' } },
      ],
      lastSeenAt: null,
      lastSeenByChannel: {},
      createdAt: '2010-01-23T04:56:22.000Z',
      updatedAt: '2011-05-13T04:42:34.123Z',
      attributes: {
        nickName: 'Babs',
        profileUrl: 'https://login.example.com/bjensen',
        ims: [{ value: 'someaimhandle', type: 'aim' }],
        userType: 'Employee',
        title: 'Tour Guide',
        preferredLanguage: 'en-US',
        locale: 'en-US',
        timezone: 'America/Los_Angeles',
        active: true,
        x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
        [SCIM_ENTERPRISE_USER_SCHEMA]: scimEnterpriseUser[SCIM_ENTERPRISE_USER_SCHEMA]!,
      },
      meta: { kind: 'scim', fetchedAt: '2026-11-22T10:00:00.000Z', unsupportedFields: ['emailVerified', 'phoneVerified', 'lastSeenAt', 'lastSeenByChannel'] },
    });
  });

  describe('displayName', () => {
    it.each([
      ['displayName first', scimEnterpriseUser, 'Babs Jensen'],
      ['else name.formatted', scimFormattedNameOnly, 'Dr. Grace Hopper'],
      ['else givenName and familyName joined by one space', scimGivenFamilyOnly, 'Grace Hopper'],
      ['skipping an absent part', scimFamilyOnly, 'Hopper'],
      ['else null', scimMinimalUser, null],
    ])('should use %s', (_case, body, expected) => {
      expect(map(body).displayName).toBe(expected);
    });

    it('should treat an empty displayName as absent', () => {
      expect(map(user({ displayName: '', name: { formatted: 'F' } })).displayName).toBe('F');
    });
  });

  describe('multi-valued attributes: primary, else the first item', () => {
    it('should take the first email when none is primary', () => {
      expect(map(scimNoPrimaryEmail).email).toBe('ada@work.example');
    });

    it('should take the primary item even when it is not first', () => {
      const profile = map(scimNoPrimaryEmail);

      expect(profile.avatarUrl).toBe('https://photos.example/full');
      expect(profile.phone).toBe('+442079460958');
    });

    it('should take country (upper case) and locality from the chosen address', () => {
      expect(map(scimNoPrimaryEmail)).toMatchObject({ country: 'GB', city: 'London' });
      expect(map(user({ addresses: [{ country: 'nl' }, { country: 'de', locality: 'Berlin', primary: true }] }))).toMatchObject({ country: 'DE', city: 'Berlin' });
    });

    it('should skip items that are not objects and be null for an empty or absent list', () => {
      expect(map(user({ emails: ['x', { value: 'y@example.com' }] })).email).toBe('y@example.com');
      expect(map(user({ emails: [] })).email).toBeNull();
      expect(map(user({ emails: 'a@example.com' })).email).toBeNull();
      expect(map(scimMinimalUser)).toMatchObject({ email: null, phone: null, avatarUrl: null, country: null, city: null });
    });
  });

  describe('phone', () => {
    it.each([
      ['a tel: URI', 'tel:+1-201-555-0123', '+12015550123'],
      ['an upper-case TEL: URI', 'TEL:+31.85.060.7337', '+31850607337'],
      ['spaces and parentheses', '+44 (20) 7946-0958', '+442079460958'],
      ['dots', '+49.30.901820', '+4930901820'],
      ['an E.164 number', '+31850607337', '+31850607337'],
      ['exactly 8 digits', '+1234-5678', '+12345678'],
      ['exactly 15 digits', '+123 456 789 012 345', '+123456789012345'],
    ])('should turn %s into E.164', (_case, value, expected) => {
      expect(e164OrAsReceived(value)).toBe(expected);
      expect(map(user({ phoneNumbers: [{ value }] })).phone).toBe(expected);
    });

    it.each([
      ['a number without +', '555-555-4444'],
      ['a local number', '020 7946 0018'],
      ['7 digits', '+123-4567'],
      ['16 digits', '+1234 5678 9012 3456'],
      ['an extension parameter', 'tel:+1-201-555-0123;ext=1234'],
      ['words', 'ext. 4711'],
      ['a tel: URI without +', 'tel:7042'],
    ])('should keep %s as received', (_case, value) => {
      expect(e164OrAsReceived(value)).toBe(value);
    });
  });

  describe('memberships', () => {
    it('should put organization, then department, then groups', () => {
      expect(map(scimEnterpriseUser).memberships.map((m) => m.type)).toStrictEqual(['organization', 'department', 'group', 'group', 'group']);
    });

    it('should give only the department when the extension has no organization', () => {
      expect(map(user({ [SCIM_ENTERPRISE_USER_SCHEMA]: { department: 'R&D' } })).memberships).toStrictEqual([
        { id: 'R&D', name: 'R&D', type: 'department', role: null, description: null, attributes: {} },
      ]);
    });

    it('should give a group without display a null name and skip groups without a value', () => {
      expect(map(user({ groups: [{ display: 'No value' }, { value: 'g1' }] })).memberships).toStrictEqual([
        { id: 'g1', name: null, type: 'group', role: null, description: null, attributes: {} },
      ]);
    });

    it('should be empty without extension and groups', () => {
      expect(map(scimMinimalUser).memberships).toStrictEqual([]);
    });
  });

  describe('roles', () => {
    it('should list the value of each role in order and skip roles without a value', () => {
      expect(map(user({ roles: [{ value: 'b' }, { display: 'x' }, { value: 'a', primary: true }] })).roles).toStrictEqual(['b', 'a']);
    });
  });

  describe('timestamps', () => {
    it('should be null without meta.created (and without meta)', () => {
      expect(map(scimFormattedNameOnly)).toMatchObject({ createdAt: null, updatedAt: '2024-02-29T22:59:59.999Z' });
      expect(map(scimNoPrimaryEmail)).toMatchObject({ createdAt: null, updatedAt: null });
    });

    it('should report an unparseable meta.created and still map', () => {
      const onInvalidOptionalTimestamp = jest.fn<(field: string, value: unknown) => void>();

      const profile = map(user({ meta: { created: 'yesterday' } }), { ...context, onInvalidOptionalTimestamp });

      expect(profile.createdAt).toBeNull();
      expect(onInvalidOptionalTimestamp).toHaveBeenCalledWith('meta.created', 'yesterday');
    });
  });

  describe('attributes', () => {
    it('should never copy schemas, meta, password or a mapped attribute', () => {
      const keys = Object.keys(map(scimEnterpriseUser).attributes);

      for (const key of ['schemas', 'meta', 'password', 'id', 'externalId', 'userName', 'displayName', 'name', 'emails', 'phoneNumbers', 'photos', 'addresses', 'roles', 'groups']) {
        expect(keys).not.toContain(key);
      }
    });

    it('should keep any other extension under its URN', () => {
      expect(map(scimFormattedNameOnly).attributes).toStrictEqual({ 'urn:example:params:scim:schemas:extension:acme:2.0:User': { badge: 'A-17' } });
    });

    it('should read attribute names case-insensitively and never copy a differently cased mapped one', () => {
      const profile = map(user({ UserName: 'mixed', Emails: [{ Value: 'm@example.com', Primary: true }], PASSWORD: 'x', Title: 'T' }));

      expect(profile).toMatchObject({ username: 'mixed', email: 'm@example.com' });
      expect(profile.attributes).toStrictEqual({ Title: 'T' });
    });
  });

  it('should give every canonical key and list exactly the unsupported fields in canonical order', () => {
    const profile = map(scimMinimalUser);

    expect(Object.keys(profile).sort()).toStrictEqual([...CANONICAL_FIELDS, 'meta'].sort());
    expect(SCIM_UNSUPPORTED_FIELDS).toStrictEqual(CANONICAL_FIELDS.filter((field) => SCIM_UNSUPPORTED_FIELDS.includes(field)));
    expect(profile.anonymous).toBe(false);
  });

  it('should not modify the upstream body', () => {
    const body = parseUpstreamBody(scimUserSchema, structuredClone(scimEnterpriseUser));
    const snapshot = structuredClone(body);

    mapScimUser(body, context);

    expect(body).toStrictEqual(snapshot);
  });
});

describe('scimUserSchema', () => {
  it.each([
    ['no schemas', { id: 'u1' }],
    ['schemas without the core User URN', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], id: 'u1' }],
    ['a numeric id', { schemas: [USER], id: 42 }],
    ['no id', { schemas: [USER] }],
    ['a SCIM error body', { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '404' }],
    ['a list', [scimMinimalUser]],
  ])('should reject %s', (_case, body) => {
    expect(() => parseUpstreamBody(scimUserSchema, body)).toThrow(UpstreamBodyError);
  });
});
