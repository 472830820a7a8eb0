import { parseByteSize, tryParseByteSize } from './byte-size.js';

describe('parseByteSize', () => {
  it.each([
    [0, 0],
    [1_048_576, 1_048_576],
    ['2048', 2048],
    ['100b', 100],
    ['512kb', 524_288],
    ['512KiB', 524_288],
    ['1mb', 1_048_576],
    ['1MB', 1_048_576],
    ['2mib', 2_097_152],
  ])('should parse %p as %d bytes', (input, expected) => {
    expect(parseByteSize(input)).toBe(expected);
  });

  it.each([[''], ['1 mb'], ['1gb'], ['1.5mb'], ['mb'], [1.5], [null], [[]]])('should reject %p', (input) => {
    expect(() => parseByteSize(input)).toThrow(RangeError);
  });

  it.each([[-1], ['-1kb']])('should reject the negative value %p', (input) => {
    expect(tryParseByteSize(input)).toEqual({ ok: false, message: 'must not be negative' });
  });
});
