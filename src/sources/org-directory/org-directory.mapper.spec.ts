import { jest } from '@jest/globals';

import {
  orgBadDateCreated,
  orgBadDateModified,
  orgExplicitNulls,
  orgFullUser,
  orgLargestId,
  orgLastNameOnly,
  orgMinimalUser,
  orgNamelessUser,
  orgPersonalUser,
} from '../../../test/fixtures/org-directory/org-directory.fixtures.js';
import { CANONICAL_FIELDS, type JsonObject, type MapContext } from '../../profiles/profile.model.js';
import { UpstreamBodyError } from '../shared/mapping.js';
import { mapOrgDirectoryUser, ORG_DIRECTORY_UNSUPPORTED_FIELDS } from './org-directory.mapper.js';
import { orgDirectoryUserSchema } from './org-directory.types.js';

const FETCHED_AT = '2026-03-12T08:00:00.000Z';
const UNSUPPORTED = ['username', 'avatarUrl', 'country', 'city', 'lastSeenAt', 'lastSeenByChannel'];

function map(fixture: JsonObject, onInvalidOptionalTimestamp?: MapContext['onInvalidOptionalTimestamp']) {
  return mapOrgDirectoryUser(orgDirectoryUserSchema.parse(fixture), { source: 'access-directory', fetchedAt: FETCHED_AT, onInvalidOptionalTimestamp });
}

describe('mapOrgDirectoryUser', () => {
  it('should map the minimal published user with every absent key as null when keys are omitted', () => {
    const profile = map(orgMinimalUser);

    expect(profile).toStrictEqual({
      source: 'access-directory',
      id: '4',
      externalId: null,
      username: null,
      displayName: 'Annabel HR',
      givenName: 'Annabel HR',
      familyName: null,
      email: null,
      emailVerified: false,
      phone: null,
      phoneVerified: false,
      avatarUrl: null,
      country: null,
      city: null,
      anonymous: false,
      roles: ['superuser'],
      memberships: [{ id: '2', name: 'Business Account', type: 'organization', role: null, description: null, attributes: { personal: false } }],
      lastSeenAt: null,
      lastSeenByChannel: {},
      createdAt: '2026-03-10T09:38:13.474Z',
      updatedAt: null,
      attributes: { account: { id: 1, firstName: 'Anna' }, emailAddressVerify: false, phoneNumberVerify: false },
      meta: { kind: 'org-directory', fetchedAt: FETCHED_AT, unsupportedFields: UNSUPPORTED },
    });
  });

  it('should map every field of the fully populated user', () => {
    const profile = map(orgFullUser);

    expect(profile).toStrictEqual({
      source: 'access-directory',
      id: '17',
      externalId: 'HR-00042',
      username: null,
      displayName: 'Jan Jansen',
      givenName: 'Jan',
      familyName: 'Jansen',
      email: 'jan.jansen@example.nl',
      emailVerified: false,
      phone: '+31850607337',
      phoneVerified: true,
      avatarUrl: null,
      country: null,
      city: null,
      anonymous: false,
      roles: [],
      memberships: [
        { id: '2', name: 'Business Account', type: 'organization', role: null, description: null, attributes: { personal: false } },
        { id: '7', name: 'Reception', type: 'group', role: 'member', description: 'Front desk staff', attributes: {} },
        { id: '9', name: 'Facilities', type: 'group', role: 'admin', description: null, attributes: {} },
      ],
      lastSeenAt: null,
      lastSeenByChannel: {},
      createdAt: '2026-03-10T09:38:13.474Z',
      updatedAt: '2026-03-11T10:02:44.120Z',
      attributes: {
        account: { id: 1, firstName: 'Anna', lastName: 'de Vries' },
        description: 'Temporary contractor',
        remarks: 'Access until project end',
        invitation: {
          token: 'a426e157-8a5c-456a-8865-bec6394867ab',
          url: 'https://app.example.nl/invite/a426e157-8a5c-456a-8865-bec6394867ab',
          expiration: '2026-03-17T10:00:00+01:00',
          isExpired: false,
        },
        autoRemoveAfter: 'MONTH',
        autoRemoveDate: '2026-04-10T09:38:13.474997Z',
        emailAddressVerify: true,
        phoneNumberVerify: true,
      },
      meta: { kind: 'org-directory', fetchedAt: FETCHED_AT, unsupportedFields: UNSUPPORTED },
    });
  });

  it('should keep the attribute keys in the order of the contract when they are copied', () => {
    const profile = map(orgFullUser);

    expect(Object.keys(profile.attributes)).toEqual([
      'account',
      'description',
      'remarks',
      'invitation',
      'autoRemoveAfter',
      'autoRemoveDate',
      'emailAddressVerify',
      'phoneNumberVerify',
    ]);
  });

  it('should copy attribute values as received without normalizing nested timestamps', () => {
    const profile = map(orgFullUser);

    expect(profile.attributes.autoRemoveDate).toBe(orgFullUser.autoRemoveDate);
    expect(profile.attributes.invitation).toStrictEqual(orgFullUser.invitation);
  });

  it('should map a personal organization with its personal flag and convert offset timestamps to UTC', () => {
    const profile = map(orgPersonalUser);

    expect(profile.memberships).toStrictEqual([
      { id: '5', name: 'Piet Bakker', type: 'organization', role: null, description: null, attributes: { personal: true } },
    ]);
    expect(profile.emailVerified).toBe(true);
    expect(profile.createdAt).toBe('2025-08-30T14:20:05.000Z');
    expect(profile.updatedAt).toBe('2025-09-01T10:00:00.000Z');
    expect(profile.attributes).toStrictEqual({
      account: { id: 5, firstName: 'Piet', lastName: 'Bakker' },
      emailAddressVerify: false,
      phoneNumberVerify: false,
    });
  });

  it('should use the last name alone as displayName when the first name is absent', () => {
    const profile = map(orgLastNameOnly);

    expect(profile.displayName).toBe('Jansen');
    expect(profile.givenName).toBeNull();
    expect(profile.familyName).toBe('Jansen');
  });

  it('should keep every canonical key with null, [] or {} when nearly every upstream key is absent', () => {
    const profile = map(orgNamelessUser);

    expect(Object.keys(profile).sort()).toEqual([...CANONICAL_FIELDS, 'meta'].sort());
    expect(profile.id).toBe('5');
    expect(profile.displayName).toBeNull();
    expect(profile.emailVerified).toBeNull();
    expect(profile.phoneVerified).toBeNull();
    expect(profile.roles).toEqual([]);
    expect(profile.memberships).toEqual([]);
    expect(profile.attributes).toStrictEqual({});
    expect(profile.createdAt).toBe('2026-03-10T09:38:13.000Z');
  });

  it('should treat explicit nulls like absent keys when the upstream sends them', () => {
    const profile = map(orgExplicitNulls);

    expect(profile.familyName).toBeNull();
    expect(profile.displayName).toBe('Annabel HR');
    expect(profile.email).toBeNull();
    expect(profile.externalId).toBeNull();
    expect(profile.updatedAt).toBeNull();
    expect(profile.roles).toEqual([]);
    expect(profile.attributes).toStrictEqual({ account: { id: 1, firstName: 'Anna' }, emailAddressVerify: false, phoneNumberVerify: false });
  });

  it('should render a 15-digit id as its exact decimal string', () => {
    expect(map(orgLargestId).id).toBe('999999999999999');
  });

  it('should give the superuser role only when superUser is true', () => {
    expect(map(orgMinimalUser).roles).toEqual(['superuser']);
    expect(map(orgFullUser).roles).toEqual([]);
  });

  it('should turn an unparseable dateModified into null and report it', () => {
    const onInvalid = jest.fn<(field: string, value: unknown) => void>();

    const profile = map(orgBadDateModified, onInvalid);

    expect(profile.updatedAt).toBeNull();
    expect(onInvalid).toHaveBeenCalledWith('dateModified', '10-03-2026 09:38');
    expect(onInvalid).toHaveBeenCalledTimes(1);
  });

  it('should throw UpstreamBodyError when dateCreated is not a timestamp', () => {
    expect(() => map(orgBadDateCreated)).toThrow(new UpstreamBodyError('dateCreated is not a timestamp'));
  });

  it('should list the unsupported fields of the contract in its table order', () => {
    const profile = map(orgFullUser);

    expect(profile.meta.unsupportedFields).toEqual(UNSUPPORTED);
    expect([...ORG_DIRECTORY_UNSUPPORTED_FIELDS]).toEqual(CANONICAL_FIELDS.filter((field) => UNSUPPORTED.includes(field)));
    for (const field of ORG_DIRECTORY_UNSUPPORTED_FIELDS) {
      expect([null, {}]).toContainEqual(profile[field]);
    }
  });
});
