import { encodePathSegment, encodeQuery } from './upstream-http.contract.js';

describe('encodePathSegment', () => {
  it.each([
    ['a plain id', 'usr_123456789', 'usr_123456789'],
    ['a slash', 'team/42', 'team%2F42'],
    ['spaces', 'John Doe', 'John%20Doe'],
    ['accented letters', 'Zoë', 'Zo%C3%AB'],
    ['an astral character', '😀', '%F0%9F%98%80'],
    ['a dot-dot segment', '..', '%2E%2E'],
    ['a dot segment', '.', '%2E'],
    ['a traversal', '../admin', '..%2Fadmin'],
    ['query and fragment delimiters', 'a?b#c', 'a%3Fb%23c'],
    ['a percent sign', '100%', '100%25'],
    ['a backslash', 'CORP\\jan', 'CORP%5Cjan'],
  ])('should encode %s', (_case, value, expected) => {
    expect(encodePathSegment(value)).toBe(expected);
  });

  it.each([['...'], ['a..b'], ['.hidden'], ['x.']])('should leave %s as is: it is not a dot-segment', (value) => {
    expect(encodePathSegment(value)).toBe(value);
  });

  it.each([['..'], ['.'], ['a/b/../c'], ['Ünïcødé user/with spaces & ..'], ['%2F'], ['a+b']])(
    'should give one segment that decodes back to %p',
    (value) => {
      const encoded = encodePathSegment(value);

      expect(encoded).not.toContain('/');
      expect(decodeURIComponent(encoded)).toBe(value);
    },
  );
});

describe('encodeQuery', () => {
  it('should be empty without pairs', () => {
    expect(encodeQuery(undefined)).toBe('');
    expect(encodeQuery([])).toBe('');
  });

  it('should keep repeated keys as separate pairs, in order', () => {
    const query = encodeQuery([
      ['expand[]', 'memberships'],
      ['expand[]', 'memberships.company'],
    ]);

    expect(query).toBe('?expand%5B%5D=memberships&expand%5B%5D=memberships.company');
    expect(new URLSearchParams(query).getAll('expand[]')).toStrictEqual(['memberships', 'memberships.company']);
  });

  it('should encode each value as one component', () => {
    const query = encodeQuery([['identifier', 'a&id=1 b/ü+#']]);

    expect(query).toBe('?identifier=a%26id%3D1%20b%2F%C3%BC%2B%23');
    expect(new URLSearchParams(query).getAll('identifier')).toStrictEqual(['a&id=1 b/ü+#']);
  });

  it('should keep an empty value', () => {
    expect(encodeQuery([['identifier', '']])).toBe('?identifier=');
  });
});
