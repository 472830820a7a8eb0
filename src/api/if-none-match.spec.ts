import { ifNoneMatchMatches } from './if-none-match.js';

describe('ifNoneMatchMatches', () => {
  const etag = '"abc123"';

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

  it('should not match when the header is absent', () => {
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
  });
});
