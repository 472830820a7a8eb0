import { anyText, matching } from './id-rules.js';

describe('anyText', () => {
  const rule = anyText(256);

  it.each([
    ['one character', 'x'],
    ['exactly the maximum', 'a'.repeat(256)],
    ['the maximum in astral code points (twice as many UTF-16 units)', '😀'.repeat(256)],
    ['the maximum in letters with a combining mark counted per code point', 'e\u0301'.repeat(128)],
    ['spaces, slashes and dots', ' ./.. a/b '],
    ['a no-break space and other non-control unicode', '\u00a0\u2028ü'],
  ])('should accept %s', (_case, id) => {
    expect(rule(id)).toBeNull();
  });

  it.each([
    ['an empty id', ''],
    ['one more than the maximum', 'a'.repeat(257)],
    ['one astral code point more than the maximum', '😀'.repeat(257)],
  ])('should reject %s by length', (_case, id) => {
    expect(rule(id)).toBe('must be 1 to 256 characters');
  });

  it.each([
    ['NUL', '\u0000'],
    ['a tab', '\t'],
    ['a newline', '\n'],
    ['a carriage return', '\r'],
    ['unit separator', '\u001f'],
    ['DEL', '\u007f'],
    ['a C1 control', '\u0085'],
    ['the last C1 control', '\u009f'],
  ])('should reject %s as a control character', (_case, control) => {
    expect(rule(`a${control}b`)).toBe('must not contain control characters');
  });

  it('should check the length before control characters', () => {
    expect(rule('\n'.repeat(257))).toBe('must be 1 to 256 characters');
  });

  it('should default to 256 and honour another maximum', () => {
    expect(anyText()('a'.repeat(256))).toBeNull();
    expect(anyText()('a'.repeat(257))).not.toBeNull();
    expect(anyText(3)('abc')).toBeNull();
    expect(anyText(3)('abcd')).toBe('must be 1 to 3 characters');
  });
});

describe('matching', () => {
  const rule = matching(/^\d{1,20}$/, '1 to 20 decimal digits');

  it('should accept a value the pattern matches', () => {
    expect(rule('18446744073709551615')).toBeNull();
  });

  it.each([[''], ['184467440737095516150'], ['12a'], ['١٢٣']])('should give the description for %p', (id) => {
    expect(rule(id)).toBe('must be 1 to 20 decimal digits');
  });

  it('should carry its description for the documentation', () => {
    expect(rule.description).toBe('1 to 20 decimal digits');
    expect(anyText(256).description).toBe('1 to 256 characters, no control characters');
  });
});
