import { ifNoneMatchMatches } from './if-none-match.js';

describe('ifNoneMatchMatches', () => {
  const etag = 'W/"abc123"';

  it.each([
    ['"abc123"', true],
    ['W/"abc123"', true],
    ['"zzz", "abc123"', true],
    ['*', true],
    ['"zzz"', false],
    ['abc123', false],
    ['', false],
  ])('should match %p: %s', (header, expected) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(expected);
  });

  it('should compare weakly against a strong current ETag too', () => {
    expect(ifNoneMatchMatches('W/"abc123"', '"abc123"')).toBe(true);
    expect(ifNoneMatchMatches('"abc123"', '"abc123"')).toBe(true);
  });

  it('should not match when the header is absent', () => {
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
  });
});
