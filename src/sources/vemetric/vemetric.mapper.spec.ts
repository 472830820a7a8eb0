import { jest } from '@jest/globals';

import {
  vemetricAnonymous,
  vemetricIdentified,
  vemetricMaxId,
  vemetricNestedData,
  vemetricNoEvents,
  vemetricNonStringEmail,
} from '../../../test/fixtures/vemetric/vemetric.fixtures.js';
import { CANONICAL_FIELDS, type CanonicalProfile, type JsonObject, type MapContext } from '../../profiles/profile.model.js';
import { parseUpstreamBody, UpstreamBodyError } from '../shared/mapping.js';
import { parseJsonSafely } from '../shared/upstream-response.js';
import { countryCode, mapVemetricUser, VEMETRIC_UNSUPPORTED_FIELDS } from './vemetric.mapper.js';
import { vemetricUserResponseSchema } from './vemetric.types.js';

const context: MapContext = { source: 'product-analytics', fetchedAt: '2026-11-22T10:00:00.000Z' };

function map(body: unknown, mapContext: MapContext = context): CanonicalProfile {
  return mapVemetricUser(parseUpstreamBody(vemetricUserResponseSchema, body), mapContext);
}

/** The fixture with some keys of `user` replaced (or removed when `undefined`). */
function withUser(overrides: Record<string, unknown>, base: JsonObject = vemetricIdentified): unknown {
  const user = { ...(base.user as JsonObject), ...overrides };
  for (const [key, value] of Object.entries(overrides)) if (value === undefined) delete user[key];
  return { user };
}

describe('mapVemetricUser', () => {
  it('should map an identified user looked up by id', () => {
    // Act
    const profile = map(vemetricIdentified);

    // Assert
    expect(profile).toStrictEqual({
      source: 'product-analytics',
      id: '15241578750190521233',
      externalId: 'user-3',
      username: null,
      displayName: 'Bravo',
      givenName: null,
      familyName: null,
      email: null,
      emailVerified: null,
      phone: null,
      phoneVerified: null,
      avatarUrl: null,
      country: 'US',
      city: 'San Francisco',
      anonymous: false,
      roles: [],
      memberships: [],
      lastSeenAt: '2026-01-19T09:15:00.000Z',
      lastSeenByChannel: {},
      createdAt: null,
      updatedAt: null,
      attributes: { plan: 'starter' },
      meta: {
        kind: 'vemetric',
        fetchedAt: '2026-11-22T10:00:00.000Z',
        unsupportedFields: [
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
        ],
      },
    });
  });

  it('should map an anonymous user with no identifier, no name and empty data', () => {
    const profile = map(vemetricAnonymous);

    expect(profile).toMatchObject({
      id: '9871362519984412057',
      externalId: null,
      displayName: null,
      email: null,
      country: 'DE',
      city: 'Berlin',
      anonymous: true,
      lastSeenAt: '2025-12-25T08:01:00.000Z',
      attributes: {},
    });
  });

  it('should map a user without events or geo, keeping the avatar', () => {
    const onInvalidOptionalTimestamp = jest.fn();

    const profile = map(vemetricNoEvents, { ...context, onInvalidOptionalTimestamp });

    expect(profile).toMatchObject({
      id: '4400128813370022',
      externalId: 'john@example.com',
      displayName: 'John Doe',
      avatarUrl: 'https://avatars.example.com/u/123.png',
      country: null,
      city: null,
      lastSeenAt: null,
      anonymous: false,
      attributes: { plan: 'pro', company: 'Acme Inc', seats: 12, beta: true },
    });
    expect(onInvalidOptionalTimestamp).not.toHaveBeenCalled();
  });

  describe('id', () => {
    it('should keep a 20-digit id beyond 2^53 as the exact string', () => {
      const profile = map(vemetricMaxId);

      expect(profile.id).toBe('18446744073709551615');
      expect(String(Number(profile.id))).not.toBe(profile.id);
    });

    it('should keep the id exact when the body is parsed from the wire', () => {
      const text = '{"user":{"id":"18446744073709551615","identifier":null,"displayName":null,"country":null,"city":null,"lastSeenAt":null,"avatarUrl":null,"data":{},"anonymous":true}}';

      const profile = map(parseJsonSafely(text));

      expect(profile.id).toBe('18446744073709551615');
    });

    it('should reject an id sent as a JSON number (its digits would already be lost)', () => {
      const body = parseJsonSafely('{"user":{"id":18446744073709551615,"data":{},"anonymous":true}}');

      expect(() => map(body)).toThrow(UpstreamBodyError);
    });
  });

  describe('email', () => {
    it('should read data.email when it is a string', () => {
      expect(map(vemetricMaxId).email).toBe('max@example.com');
      expect(map(vemetricNestedData).email).toBe('nora@example.com');
    });

    it('should be null when data.email is not a string, and keep it in attributes', () => {
      const profile = map(vemetricNonStringEmail);

      expect(profile.email).toBeNull();
      expect(profile.attributes.email).toStrictEqual(['seven@example.com', 'seven@work.example']);
    });

    it.each([[42], [true], [null], [{ address: 'x@example.com' }]])('should be null when data.email is %p', (email) => {
      expect(map(withUser({ data: { email } })).email).toBeNull();
    });

    it('should be null when data has no email', () => {
      expect(map(vemetricIdentified).email).toBeNull();
    });
  });

  describe('attributes', () => {
    it('should copy data with nested values as received, email included', () => {
      const profile = map(vemetricNestedData);

      expect(profile.attributes).toStrictEqual((vemetricNestedData.user as JsonObject).data);
    });

    it('should be {} when data is null or absent', () => {
      expect(map(withUser({ data: null })).attributes).toStrictEqual({});
      expect(map(withUser({ data: undefined })).attributes).toStrictEqual({});
    });
  });

  describe('lastSeenAt', () => {
    it('should add milliseconds to a second-precision timestamp', () => {
      expect(map(vemetricNestedData).lastSeenAt).toBe('2026-03-10T09:38:13.000Z');
    });

    it('should convert an offset to UTC', () => {
      expect(map(withUser({ lastSeenAt: '2026-01-19T10:15:00+01:00' })).lastSeenAt).toBe('2026-01-19T09:15:00.000Z');
    });

    it('should become null and be reported when it cannot be parsed', () => {
      const onInvalidOptionalTimestamp = jest.fn();

      const profile = map(withUser({ lastSeenAt: 'last tuesday' }), { ...context, onInvalidOptionalTimestamp });

      expect(profile.lastSeenAt).toBeNull();
      expect(onInvalidOptionalTimestamp).toHaveBeenCalledTimes(1);
      expect(onInvalidOptionalTimestamp).toHaveBeenCalledWith('lastSeenAt', 'last tuesday');
    });

    it('should not fail without a reporter when it cannot be parsed', () => {
      expect(map(withUser({ lastSeenAt: '2026-13-45T99:00:00Z' })).lastSeenAt).toBeNull();
    });
  });

  describe('optional keys', () => {
    it('should read absent optional keys as null', () => {
      const profile = map({ user: { id: '1', anonymous: true } });

      expect(profile).toMatchObject({
        id: '1',
        externalId: null,
        displayName: null,
        avatarUrl: null,
        country: null,
        city: null,
        lastSeenAt: null,
        attributes: {},
        anonymous: true,
      });
    });
  });

  describe('fields the kind never fills', () => {
    it('should list exactly the contract unsupported fields, in canonical order', () => {
      const canonicalOrder = CANONICAL_FIELDS.filter((field) => VEMETRIC_UNSUPPORTED_FIELDS.includes(field));

      expect(VEMETRIC_UNSUPPORTED_FIELDS).toStrictEqual(canonicalOrder);
      expect(map(vemetricNoEvents).meta.unsupportedFields).toStrictEqual([...VEMETRIC_UNSUPPORTED_FIELDS]);
    });

    it('should leave every unsupported field null, empty or {} even when data holds similar keys', () => {
      const profile = map(withUser({ data: { username: 'jd', phone: '+31', roles: ['admin'], createdAt: '2026-01-01T00:00:00Z' } }));

      expect(profile).toMatchObject({
        username: null,
        givenName: null,
        familyName: null,
        emailVerified: null,
        phone: null,
        phoneVerified: null,
        roles: [],
        memberships: [],
        lastSeenByChannel: {},
        createdAt: null,
        updatedAt: null,
      });
    });
  });

  it('should give every canonical key', () => {
    expect(Object.keys(map(vemetricAnonymous)).sort()).toStrictEqual([...CANONICAL_FIELDS, 'meta'].sort());
  });
});

describe('vemetricUserResponseSchema', () => {
  it.each([
    ['no user', {}],
    ['an id with letters', withUser({ id: '12a' })],
    ['an id of 21 digits', withUser({ id: '184467440737095516150' })],
    ['an empty id', withUser({ id: '' })],
    ['no anonymous flag', withUser({ anonymous: undefined })],
    ['data as a list', withUser({ data: ['plan'] })],
    ['a numeric displayName', withUser({ displayName: 5 })],
  ])('should reject %s', (_case, body) => {
    expect(() => parseUpstreamBody(vemetricUserResponseSchema, body)).toThrow(UpstreamBodyError);
  });
});

describe('countryCode', () => {
  it.each([
    ['US', 'US'],
    ['de', 'DE'],
    [' nl ', 'NL'],
    ['\u0000\u0000', null],
    ['', null],
    [null, null],
    [undefined, null],
  ])('should normalize %p to %p', (input, expected) => {
    expect(countryCode(input)).toBe(expected);
  });
});
