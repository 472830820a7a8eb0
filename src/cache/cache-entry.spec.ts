import { testFetched } from '../../test/support/test-profiles.js';
import { bodyWithRaw, decodeEntry, encodeEntry, ENTRY_OVERHEAD_BYTES, entrySizeBytes, profileEntry, profileOf, rawOf, type StoredEntry } from './cache-entry.js';
import { profileEtag } from './etag.js';

describe('profileEntry', () => {
  it('should keep the served bodies as text, with the ETag and the fetch time, and no object graph', () => {
    const fetched = testFetched();

    const entry = profileEntry(fetched, 1_700_000_000_123);

    expect(entry).toStrictEqual({
      kind: 'profile',
      body: JSON.stringify(fetched.profile),
      rawJson: JSON.stringify(fetched.raw),
      fetchedAtMs: 1_700_000_000_123,
      etag: profileEtag(fetched.profile),
    });
    expect(Object.values(entry).every((value) => typeof value !== 'object')).toBe(true);
    expect(profileOf(entry)).toEqual(fetched.profile);
    expect(rawOf(entry)).toEqual(fetched.raw);
  });

  it('should build the include=raw body exactly as serializing the profile with raw would', () => {
    const fetched = testFetched();

    expect(bodyWithRaw(profileEntry(fetched, 1))).toBe(JSON.stringify({ ...fetched.profile, raw: fetched.raw }));
    expect(bodyWithRaw(profileEntry({ ...fetched, raw: null }, 1))).toBe(JSON.stringify({ ...fetched.profile, raw: null }));
  });

  it('should size an entry by its texts plus a fixed overhead', () => {
    const entry = profileEntry(testFetched(), 1);

    expect(entrySizeBytes('k', entry)).toBe(ENTRY_OVERHEAD_BYTES + 1 + entry.body.length + entry.rawJson.length + entry.etag.length);
    expect(entrySizeBytes('k', { ...entry, body: '{"é":1}' })).toBe(entrySizeBytes('k', { ...entry, body: '{"e":1}' }) + 1);
    expect(entrySizeBytes('key', { kind: 'not-found', fetchedAtMs: 1 })).toBe(ENTRY_OVERHEAD_BYTES + 3);
  });
});

describe('encodeEntry and decodeEntry', () => {
  it('should round-trip a profile entry with its raw body, fetch time and etag', () => {
    const entry: StoredEntry = profileEntry(testFetched(), 1_700_000_000_123);

    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it('should store the body as is, after a header line, so a read slices it out', () => {
    const entry: StoredEntry = { kind: 'profile', body: '{"a":"x\\ny"}', rawJson: '[1]', fetchedAtMs: 5, etag: 'W/"e"' };

    expect(encodeEntry(entry)).toBe('P2 5 5 12\nW/"e"{"a":"x\\ny"}[1]');
  });

  it('should round-trip text outside Latin-1', () => {
    const fetched = testFetched();
    const entry = profileEntry({ profile: { ...fetched.profile, displayName: 'Zoë 😀 李' }, raw: { name: '😀' } }, 2);

    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it('should round-trip a not-found marker', () => {
    const entry: StoredEntry = { kind: 'not-found', fetchedAtMs: 1_700_000_000_000 };

    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
  });

  it('should keep a null raw body', () => {
    const entry: StoredEntry = profileEntry({ ...testFetched(), raw: null }, 1);

    expect(decodeEntry(encodeEntry(entry))).toEqual(entry);
    expect(rawOf(entry)).toBeNull();
  });

  it('should read an entry in the JSON form written before the framed text', () => {
    const { profile, raw } = testFetched();
    const legacy = JSON.stringify({ kind: 'profile', profile, raw, fetchedAtMs: 7, etag: profileEtag(profile) });

    expect(decodeEntry(legacy)).toEqual(profileEntry({ profile, raw }, 7));
    expect(decodeEntry('{"kind":"not-found","fetchedAtMs":3}')).toEqual({ kind: 'not-found', fetchedAtMs: 3 });
  });

  it.each([
    ['not JSON', '{nope'],
    ['a JSON scalar', '42'],
    ['an unknown kind', '{"kind":"other","fetchedAtMs":1}'],
    ['a missing fetch time', '{"kind":"not-found"}'],
    ['a profile without etag', JSON.stringify({ kind: 'profile', profile: testFetched().profile, raw: {}, fetchedAtMs: 1 })],
    ['a profile without raw', JSON.stringify({ kind: 'profile', profile: testFetched().profile, etag: '"x"', fetchedAtMs: 1 })],
    ['a profile that is not an object', '{"kind":"profile","profile":"x","raw":{},"etag":"\\"x\\"","fetchedAtMs":1}'],
    ['a framed entry without its header line', 'P2 1 1 2'],
    ['a framed entry with a bad header', 'P2 x 1 2\n"{}[]'],
    ['a framed entry shorter than its header says', 'P2 1 1 20\n"{}[]'],
    ['a framed entry whose body is not an object', 'P2 1 1 2\n"[]{}'],
    ['a framed not-found without a time', 'N2 soon'],
  ])('should return undefined for %s', (_name, text) => {
    expect(decodeEntry(text)).toBeUndefined();
  });

  it('should drop __proto__ keys from a raw body stored in the JSON form', () => {
    const { profile } = testFetched();
    const text = `{"kind":"profile","profile":${JSON.stringify(profile)},"raw":{"__proto__":{"polluted":true},"a":1},"etag":"\\"x\\"","fetchedAtMs":1}`;

    const entry = decodeEntry(text);

    expect(entry).toMatchObject({ kind: 'profile', rawJson: '{"a":1}' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
