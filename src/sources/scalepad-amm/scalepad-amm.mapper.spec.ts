import { jest } from '@jest/globals';

import {
  ammBadActivity,
  ammBadCreatedAt,
  ammBadUpdatedAt,
  ammDepartmentWithoutDescription,
  ammDesktopUser,
  ammFullUser,
  ammNewUser,
} from '../../../test/fixtures/scalepad-amm/scalepad-amm.fixtures.js';
import { CANONICAL_FIELDS, type JsonObject, type MapContext } from '../../profiles/profile.model.js';
import { UpstreamBodyError } from '../shared/mapping.js';
import { mapScalepadAmmUser, SCALEPAD_AMM_UNSUPPORTED_FIELDS } from './scalepad-amm.mapper.js';
import { scalepadAmmUserSchema } from './scalepad-amm.types.js';

const FETCHED_AT = '2026-03-02T10:00:00.000Z';

function map(fixture: JsonObject, onInvalidOptionalTimestamp?: MapContext['onInvalidOptionalTimestamp']) {
  return mapScalepadAmmUser(scalepadAmmUserSchema.parse(fixture), { source: 'endpoint-agents', fetchedAt: FETCHED_AT, onInvalidOptionalTimestamp });
}

describe('mapScalepadAmmUser', () => {
  it('should map the full user of the published doc to the complete canonical profile', () => {
    const profile = map(ammFullUser);

    expect(profile).toStrictEqual({
      source: 'endpoint-agents',
      id: 'a1d97031-04e2-4907-a249-093f7436207b',
      externalId: 'mikechang',
      username: 'mikechang',
      displayName: 'mikechang',
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
      memberships: [
        {
          id: 'd1a2b3c4-e5f6-7890-abcd-ef1234567890',
          name: 'Engineering',
          type: 'department',
          role: null,
          description: 'Software development and infrastructure teams',
          attributes: {},
        },
      ],
      lastSeenAt: '2026-02-24T21:23:53.082Z',
      lastSeenByChannel: { desktop: '2026-02-24T21:22:46.119Z', web: '2026-02-24T21:23:53.082Z' },
      createdAt: '2026-02-05T21:29:34.214Z',
      updatedAt: '2026-02-05T21:29:34.214Z',
      attributes: {},
      meta: {
        kind: 'scalepad-amm',
        fetchedAt: FETCHED_AT,
        unsupportedFields: ['givenName', 'familyName', 'email', 'emailVerified', 'phone', 'phoneVerified', 'avatarUrl', 'country', 'city', 'roles'],
      },
    });
  });

  it('should keep every canonical key present when the user has no activity and no departments', () => {
    const profile = map(ammNewUser);

    expect(Object.keys(profile).sort()).toEqual([...CANONICAL_FIELDS, 'meta'].sort());
    expect(profile.id).toBe('c3f19253-26g4-6129-c461-215h9658429d');
    expect(profile.memberships).toEqual([]);
    expect(profile.lastSeenAt).toBeNull();
    expect(profile.lastSeenByChannel).toStrictEqual({ desktop: null, web: null });
    expect(profile.createdAt).toBe('2026-02-24T10:00:00.000Z');
    expect(profile.updatedAt).toBe('2026-02-24T10:00:00.000Z');
  });

  it('should take externalId from user_key and username and displayName from username when they differ', () => {
    const profile = map(ammDesktopUser);

    expect(profile.externalId).toBe('CORP\\j.devries');
    expect(profile.username).toBe('j.devries');
    expect(profile.displayName).toBe('j.devries');
  });

  it('should map departments in upstream order with a null description kept as null', () => {
    const profile = map(ammDesktopUser);

    expect(profile.memberships).toStrictEqual([
      { id: '0b6f7c1e-2a3d-4e5f-8a9b-0c1d2e3f4a5b', name: 'Finance', type: 'department', role: null, description: null, attributes: {} },
      { id: '9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a', name: 'Operations', type: 'department', role: null, description: 'Back office', attributes: {} },
    ]);
  });

  it('should map a department without a description key to a null description', () => {
    const profile = map(ammDepartmentWithoutDescription);

    expect(profile.memberships[0]?.description).toBeNull();
  });

  it('should report both channels with a null web activity when only the desktop agent saw the user', () => {
    const profile = map(ammDesktopUser);

    expect(profile.lastSeenAt).toBe('2026-03-01T08:15:02.511Z');
    expect(profile.lastSeenByChannel).toStrictEqual({ desktop: '2026-03-01T08:15:02.511Z', web: null });
  });

  it('should normalize created_at and updated_at when they lack milliseconds or carry an offset', () => {
    const profile = map(ammDepartmentWithoutDescription);

    expect(profile.createdAt).toBe('2026-02-05T21:29:34.000Z');
    expect(profile.updatedAt).toBe('2026-02-05T21:29:34.214Z');
  });

  it('should turn unparseable activity timestamps into null and report each of them when they are invalid', () => {
    const onInvalid = jest.fn<(field: string, value: unknown) => void>();

    const profile = map(ammBadActivity, onInvalid);

    expect(profile.lastSeenAt).toBeNull();
    expect(profile.lastSeenByChannel).toStrictEqual({ desktop: '2026-02-24T21:22:46.119Z', web: null });
    expect(onInvalid.mock.calls).toEqual([
      ['last_activity.at', 'yesterday'],
      ['last_activity.web_at', '2026-02-30T10:00:00Z'],
    ]);
  });

  it('should not report null activity timestamps when the user has no activity', () => {
    const onInvalid = jest.fn<(field: string, value: unknown) => void>();

    map(ammNewUser, onInvalid);

    expect(onInvalid).not.toHaveBeenCalled();
  });

  it('should throw UpstreamBodyError when created_at is not a timestamp', () => {
    expect(() => map(ammBadCreatedAt)).toThrow(new UpstreamBodyError('created_at is not a timestamp'));
  });

  it('should throw UpstreamBodyError when updated_at is not a timestamp', () => {
    expect(() => map(ammBadUpdatedAt)).toThrow(new UpstreamBodyError('updated_at is not a timestamp'));
  });

  it('should return a fresh unsupportedFields array in the order of the contract when called twice', () => {
    const first = map(ammFullUser);
    first.meta.unsupportedFields.push('username');

    const second = map(ammFullUser);

    expect(second.meta.unsupportedFields).toEqual([...SCALEPAD_AMM_UNSUPPORTED_FIELDS]);
    const order = SCALEPAD_AMM_UNSUPPORTED_FIELDS.map((field) => CANONICAL_FIELDS.indexOf(field));
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it('should leave every unsupported field null or empty when the user is fully populated', () => {
    const profile = map(ammFullUser);

    for (const field of SCALEPAD_AMM_UNSUPPORTED_FIELDS) {
      expect([null, []]).toContainEqual(profile[field]);
    }
  });
});
