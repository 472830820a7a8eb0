import { testFetched } from '../../test/support/test-profiles.js';
import { decodeEntry, encodeEntry, type StoredEntry } from './cache-entry.js';
import { profileEtag } from './etag.js';

describe('encodeEntry and decodeEntry', () => {
  it('should round-trip a profile entry with its raw body, fetch time and etag', () => {
    const { profile, raw } = testFetched();
    const entry: StoredEntry = { kind: 'profile', profile, raw, fetchedAtMs: 1_700_000_000_123, etag: profileEtag(profile) };

    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it('should round-trip a not-found marker', () => {
    const entry: StoredEntry = { kind: 'not-found', fetchedAtMs: 1_700_000_000_000 };

    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it('should keep a null raw body', () => {
    const { profile } = testFetched();
    const entry: StoredEntry = { kind: 'profile', profile, raw: null, fetchedAtMs: 1, etag: '"x"' };

    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it.each([
    ['not JSON', '{nope'],
    ['a JSON scalar', '42'],
    ['an unknown kind', '{"kind":"other","fetchedAtMs":1}'],
    ['a missing fetch time', '{"kind":"not-found"}'],
    ['a profile without etag', JSON.stringify({ kind: 'profile', profile: testFetched().profile, raw: {}, fetchedAtMs: 1 })],
    ['a profile without raw', JSON.stringify({ kind: 'profile', profile: testFetched().profile, etag: '"x"', fetchedAtMs: 1 })],
    ['a profile that is not an object', '{"kind":"profile","profile":"x","raw":{},"etag":"\\"x\\"","fetchedAtMs":1}'],
  ])('should return undefined for %s', (_name, text) => {
    expect(decodeEntry(text)).toBeUndefined();
  });

  it('should drop __proto__ keys from a stored raw body', () => {
    const { profile } = testFetched();
    const text = `{"kind":"profile","profile":${JSON.stringify(profile)},"raw":{"__proto__":{"polluted":true},"a":1},"etag":"\\"x\\"","fetchedAtMs":1}`;

    const entry = decodeEntry(text);

    expect(entry).toMatchObject({ kind: 'profile', raw: { a: 1 } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys((entry as { raw: object }).raw)).toEqual(['a']);
  });
});
