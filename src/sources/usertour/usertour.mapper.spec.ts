import { jest } from '@jest/globals';

import {
  usertourContractExample,
  usertourEveryJsonType,
  usertourExpandedNoCompanies,
  usertourFullyExpanded,
  usertourMembershipsOnly,
  usertourMixedMemberships,
  usertourNoExpand,
} from '../../../test/fixtures/usertour/usertour.fixtures.js';
import { CANONICAL_FIELDS, type CanonicalProfile, type JsonObject, type MapContext } from '../../profiles/profile.model.js';
import { parseUpstreamBody, UpstreamBodyError } from '../shared/mapping.js';
import { mapUsertourUser, USERTOUR_UNSUPPORTED_FIELDS } from './usertour.mapper.js';
import { usertourUserResponseSchema } from './usertour.types.js';

const context: MapContext = { source: 'crm-usertour', fetchedAt: '2026-11-22T10:00:00.000Z' };

function map(body: JsonObject, mapContext: MapContext = context): CanonicalProfile {
  return mapUsertourUser(parseUpstreamBody(usertourUserResponseSchema, body), mapContext);
}

function withBody(overrides: JsonObject, base: JsonObject = usertourNoExpand): JsonObject {
  return { ...base, ...overrides };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

describe('mapUsertourUser', () => {
  it('should produce the canonical example of the contract when given its upstream user', () => {
    // Act
    const profile = map(usertourContractExample);

    // Assert
    expect(profile).toStrictEqual({
      source: 'crm-usertour',
      id: 'usr_123456789',
      externalId: 'usr_123456789',
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
      memberships: [
        {
          id: 'acme-corp',
          name: 'Acme Corp',
          type: 'company',
          role: 'admin',
          description: null,
          attributes: { name: 'Acme Corp', domain: 'acme.com' },
        },
      ],
      lastSeenAt: null,
      lastSeenByChannel: {},
      createdAt: '2024-03-20T08:30:00.000Z',
      updatedAt: null,
      attributes: { name: 'John Doe', email: 'john.doe@example.com', role: 'admin' },
      meta: {
        kind: 'usertour',
        fetchedAt: '2026-11-22T10:00:00.000Z',
        unsupportedFields: [
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
        ],
      },
    });
  });

  describe('id and externalId', () => {
    it('should use the upstream id for both when it is the customer id', () => {
      const profile = map(usertourNoExpand);

      expect(profile.id).toBe('usr_123456789');
      expect(profile.externalId).toBe('usr_123456789');
    });

    it('should keep an id with slashes, spaces, dots and unicode exactly as received', () => {
      const profile = map(usertourEveryJsonType);

      expect(profile.id).toBe('Ünïcødé user/with spaces & ..');
      expect(profile.externalId).toBe('Ünïcødé user/with spaces & ..');
    });

    it('should keep a numeric-looking id as a string', () => {
      const profile = map(withBody({ id: '000123' }));

      expect(profile.id).toBe('000123');
    });
  });

  describe('displayName and email', () => {
    it('should read attributes.name and attributes.email when they are strings', () => {
      const profile = map(usertourNoExpand);

      expect(profile.displayName).toBe('John Doe');
      expect(profile.email).toBe('john.doe@example.com');
    });

    it('should be null when attributes.name and attributes.email are not strings', () => {
      const profile = map(usertourEveryJsonType);

      expect(profile.displayName).toBeNull();
      expect(profile.email).toBeNull();
    });

    it('should be null when attributes has neither key', () => {
      const profile = map(usertourMembershipsOnly);

      expect(profile.displayName).toBeNull();
      expect(profile.email).toBeNull();
    });

    it('should be null when attributes.name and attributes.email are null', () => {
      const profile = map(withBody({ attributes: { name: null, email: null } }));

      expect(profile.displayName).toBeNull();
      expect(profile.email).toBeNull();
    });

    it('should keep an empty string as an empty string', () => {
      const profile = map(withBody({ attributes: { name: '', email: '' } }));

      expect(profile.displayName).toBe('');
      expect(profile.email).toBe('');
    });
  });

  describe('memberships', () => {
    it('should be empty when memberships is null (not expanded)', () => {
      const profile = map(usertourNoExpand);

      expect(profile.memberships).toStrictEqual([]);
    });

    it('should be empty when memberships is absent', () => {
      const { memberships: _memberships, ...body } = usertourNoExpand;

      const profile = map(body);

      expect(profile.memberships).toStrictEqual([]);
    });

    it('should be empty when memberships is an empty list', () => {
      const profile = map(usertourExpandedNoCompanies);

      expect(profile.memberships).toStrictEqual([]);
    });

    it('should skip memberships without a company key (expand[]=memberships only)', () => {
      const profile = map(usertourMembershipsOnly);

      expect(profile.memberships).toStrictEqual([]);
    });

    it('should skip a membership whose company is null', () => {
      const profile = map(
        withBody({ memberships: [{ id: 'm1', object: 'companyMembership', attributes: { role: 'admin' }, company: null }] }),
      );

      expect(profile.memberships).toStrictEqual([]);
    });

    it('should map the company of an expanded membership, not the internal companyId', () => {
      const profile = map(usertourFullyExpanded);

      expect(profile.memberships).toStrictEqual([
        {
          id: 'acme-corp',
          name: 'Acme Corp',
          type: 'company',
          role: 'admin',
          description: null,
          attributes: { name: 'Acme Corp', domain: 'acme.com' },
        },
      ]);
    });

    it('should keep upstream order, skip those without company and null non-string names and roles', () => {
      const profile = map(usertourMixedMemberships);

      expect(profile.memberships).toStrictEqual([
        { id: 'globex', name: 'Globex', type: 'company', role: 'owner', description: null, attributes: { name: 'Globex', tier: 'gold' } },
        { id: 'initech', name: null, type: 'company', role: null, description: null, attributes: {} },
        {
          id: 'umbrella/eu 🌂',
          name: null,
          type: 'company',
          role: null,
          description: null,
          attributes: { name: 42, domain: 'umbrella.example' },
        },
      ]);
    });

    it('should read attributes as {} when the company attributes or membership attributes are null', () => {
      const profile = map(withBody({ memberships: [{ attributes: null, company: { id: 'c1', attributes: null } }] }));

      expect(profile.memberships).toStrictEqual([{ id: 'c1', name: null, type: 'company', role: null, description: null, attributes: {} }]);
    });

    it('should ignore the top-level companies list', () => {
      const profile = map(withBody({ memberships: [] }, usertourFullyExpanded));

      expect(profile.memberships).toStrictEqual([]);
    });
  });

  describe('createdAt', () => {
    it('should keep a millisecond UTC timestamp', () => {
      const profile = map(usertourNoExpand);

      expect(profile.createdAt).toBe('2024-03-20T08:31:02.114Z');
    });

    it('should add missing milliseconds', () => {
      const profile = map(usertourEveryJsonType);

      expect(profile.createdAt).toBe('2025-04-27T13:39:47.000Z');
    });

    it('should convert an offset to UTC', () => {
      const profile = map(withBody({ createdAt: '2025-09-01T00:30:00+02:00' }));

      expect(profile.createdAt).toBe('2025-08-31T22:30:00.000Z');
    });

    it('should throw UpstreamBodyError when createdAt cannot be parsed, without reporting it as optional', () => {
      const onInvalidOptionalTimestamp = jest.fn();

      expect(() => map(withBody({ createdAt: 'yesterday' }), { ...context, onInvalidOptionalTimestamp })).toThrow(UpstreamBodyError);
      expect(onInvalidOptionalTimestamp).not.toHaveBeenCalled();
    });
  });

  describe('attributes', () => {
    it('should copy attributes of every JSON type as received', () => {
      const profile = map(usertourEveryJsonType);

      expect(profile.attributes).toStrictEqual(usertourEveryJsonType.attributes);
    });

    it('should keep name and email inside attributes', () => {
      const profile = map(usertourNoExpand);

      expect(profile.attributes).toStrictEqual({
        name: 'John Doe',
        email: 'john.doe@example.com',
        signed_up_at: '2024-03-20T08:30:00.000Z',
      });
    });

    it('should be {} when attributes is {}', () => {
      const profile = map(usertourMembershipsOnly);

      expect(profile.attributes).toStrictEqual({});
    });

    it('should be {} when attributes is null', () => {
      const profile = map(withBody({ attributes: null }));

      expect(profile.attributes).toStrictEqual({});
      expect(profile.displayName).toBeNull();
    });
  });

  describe('fields the kind never fills', () => {
    it('should list exactly the contract unsupported fields, in canonical order', () => {
      const canonicalOrder = CANONICAL_FIELDS.filter((field) => USERTOUR_UNSUPPORTED_FIELDS.includes(field));

      expect(USERTOUR_UNSUPPORTED_FIELDS).toStrictEqual(canonicalOrder);
      expect(map(usertourFullyExpanded).meta.unsupportedFields).toStrictEqual([...USERTOUR_UNSUPPORTED_FIELDS]);
    });

    it('should leave every unsupported field null, empty or {} even when attributes hold similar keys', () => {
      const profile = map(
        withBody({ attributes: { username: 'jd', avatarUrl: 'https://x/y.png', country: 'NL', city: 'Delft', roles: ['admin'], phone: '+311' } }),
      );

      expect(profile).toMatchObject({
        username: null,
        givenName: null,
        familyName: null,
        emailVerified: null,
        phone: null,
        phoneVerified: null,
        avatarUrl: null,
        country: null,
        city: null,
        roles: [],
        lastSeenAt: null,
        lastSeenByChannel: {},
        updatedAt: null,
      });
    });

    it('should always say the user is not anonymous', () => {
      expect(map(usertourNoExpand).anonymous).toBe(false);
    });
  });

  it('should set source and meta from the context', () => {
    const profile = map(usertourNoExpand, { source: 'other-crm', fetchedAt: '2027-01-01T00:00:00.000Z' });

    expect(profile.source).toBe('other-crm');
    expect(profile.meta.kind).toBe('usertour');
    expect(profile.meta.fetchedAt).toBe('2027-01-01T00:00:00.000Z');
  });

  it('should give every canonical key', () => {
    const profile = map(usertourNoExpand);

    expect(Object.keys(profile).sort()).toStrictEqual([...CANONICAL_FIELDS, 'meta'].sort());
  });

  it('should not modify the upstream body', () => {
    const body = parseUpstreamBody(usertourUserResponseSchema, usertourMixedMemberships);
    const snapshot = structuredClone(body);
    deepFreeze(body);

    mapUsertourUser(body, context);

    expect(body).toStrictEqual(snapshot);
  });
});

describe('usertourUserResponseSchema', () => {
  it.each([
    ['no id', { ...usertourNoExpand, id: undefined }],
    ['a numeric id', { ...usertourNoExpand, id: 42 }],
    ['no createdAt', { ...usertourNoExpand, createdAt: undefined }],
    ['attributes as a list', { ...usertourNoExpand, attributes: ['name'] }],
    ['memberships as an object', { ...usertourNoExpand, memberships: { company: { id: 'c' } } }],
    ['a company without id', { ...usertourNoExpand, memberships: [{ company: { attributes: {} } }] }],
    ['a body that is a list', [usertourNoExpand]],
  ])('should reject %s', (_case, body) => {
    expect(() => parseUpstreamBody(usertourUserResponseSchema, body)).toThrow(UpstreamBodyError);
  });

  it('should accept every fixture sent by the upstream', () => {
    for (const body of [
      usertourNoExpand,
      usertourMembershipsOnly,
      usertourFullyExpanded,
      usertourExpandedNoCompanies,
      usertourContractExample,
      usertourMixedMemberships,
      usertourEveryJsonType,
    ]) {
      expect(() => parseUpstreamBody(usertourUserResponseSchema, body)).not.toThrow();
    }
  });
});
