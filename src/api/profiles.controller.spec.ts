import { jest } from '@jest/globals';

import { testProfile } from '../../test/support/test-profiles.js';
import type { CachedProfile } from '../cache/cache-entry.js';
import { profileBodyOf } from './profiles.controller.js';

function cachedProfile(id: string): CachedProfile {
  const profile = testProfile({ id, externalId: id });
  return { profile, raw: { id }, fetchedAtMs: 1_700_000_000_000, etag: `"etag-${id}"` };
}

describe('profileBodyOf', () => {
  it('should answer the JSON of the canonical profile when called for an entry', () => {
    // Arrange
    const entry = cachedProfile('usr_1');

    // Act
    const body = profileBodyOf(entry);

    // Assert
    expect(JSON.parse(body)).toEqual(entry.profile);
    expect(body).toBe(JSON.stringify(entry.profile));
  });

  it('should leave raw out when the entry holds an upstream body', () => {
    // Arrange
    const entry = cachedProfile('usr_2');

    // Act
    const parsed = JSON.parse(profileBodyOf(entry)) as Record<string, unknown>;

    // Assert
    expect(parsed).not.toHaveProperty('raw');
  });

  it('should serialize each entry once when the same entry is answered again', () => {
    // Arrange
    const entry = cachedProfile('usr_3');
    const stringify = jest.spyOn(JSON, 'stringify');

    // Act
    const first = profileBodyOf(entry);
    const second = profileBodyOf(entry);

    // Assert
    expect(second).toBe(first);
    expect(stringify).toHaveBeenCalledTimes(1);
    stringify.mockRestore();
  });

  it('should serialize another entry for the same user on its own when the cache holds a newer copy', () => {
    // Arrange
    const older = cachedProfile('usr_4');
    const newer: CachedProfile = { ...older, profile: { ...older.profile, displayName: 'Renamed' }, fetchedAtMs: older.fetchedAtMs + 1 };

    // Act
    const before = profileBodyOf(older);
    const after = profileBodyOf(newer);

    // Assert
    expect(JSON.parse(before)).toMatchObject({ displayName: older.profile.displayName });
    expect(JSON.parse(after)).toMatchObject({ displayName: 'Renamed' });
  });
});
