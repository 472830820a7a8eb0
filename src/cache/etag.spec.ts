import { createHash } from 'node:crypto';

import { testProfile } from '../../test/support/test-profiles.js';
import type { JsonValue } from '../profiles/profile.model.js';
import { profileEtag, stableJson } from './etag.js';

describe('stableJson', () => {
  it('should sort object keys at every level when serializing', () => {
    expect(stableJson({ b: 1, a: { d: [{ z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}');
  });

  it('should serialize scalars and strings exactly like JSON.stringify', () => {
    expect(stableJson('a"b\u2028')).toBe(JSON.stringify('a"b\u2028'));
    expect(stableJson(12.5)).toBe('12.5');
    expect(stableJson(true)).toBe('true');
    expect(stableJson(null)).toBe('null');
  });
});

describe('profileEtag', () => {
  it('should be the weak, quoted base64url SHA-256 of the profile without meta', () => {
    const profile = testProfile();
    const { meta: _meta, ...fields } = profile;
    const expected = createHash('sha256').update(stableJson(fields as unknown as JsonValue)).digest('base64url');

    const etag = profileEtag(profile);

    expect(etag).toBe(`W/"${expected}"`);
    expect(etag).toMatch(/^W\/"[A-Za-z0-9_-]{43}"$/);
  });

  it('should stay the same when only meta changes (a refresh that changed nothing)', () => {
    const before = testProfile();
    const after = testProfile({ meta: { ...before.meta, fetchedAt: '2027-01-01T00:00:00.000Z' } });

    expect(profileEtag(after)).toBe(profileEtag(before));
  });

  it('should stay the same when attributes arrive in another key order', () => {
    const a = testProfile({ attributes: { name: 'John', email: 'j@example.com' } });
    const b = testProfile({ attributes: { email: 'j@example.com', name: 'John' } });

    expect(profileEtag(a)).toBe(profileEtag(b));
  });

  it('should ignore a raw body attached to the profile', () => {
    const profile = testProfile();
    const withRaw = { ...profile, raw: { anything: 1 } };

    expect(profileEtag(withRaw)).toBe(profileEtag(profile));
  });

  it('should change when a canonical field changes', () => {
    expect(profileEtag(testProfile({ displayName: 'Jane Doe' }))).not.toBe(profileEtag(testProfile()));
  });
});
